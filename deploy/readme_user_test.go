package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nanosupervisord/nanosupervisord/internal/fakeslurm"
)

// newUser is someone following the README on a login node: a home of their
// own with nothing in it, a PATH with the system directories and Slurm's
// programs (here the fake ones, so that no real cluster is needed), and
// none of the test process's environment.
type newUser struct {
	t    *testing.T
	home string
	env  []string
	fake string // where the fake sbatch, sacct, squeue and scancel are

	daemon    *exec.Cmd
	daemonErr string        // file holding the daemon's log (its stderr)
	notify    *net.UnixConn // the NOTIFY_SOCKET a systemd manager would listen on
}

func newNewUser(t *testing.T) *newUser {
	t.Helper()
	u := &newUser{t: t, home: t.TempDir(), fake: t.TempDir()}
	build := exec.Command("go", "build", "-o", filepath.Join(u.fake, fakeslurm.ControlProgram), "../cmd/nsv-fakeslurm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the fake Slurm: %v\n%s", err, out)
	}
	for _, name := range []string{"sbatch", "sacct", "squeue", "scancel"} {
		if err := os.Symlink(fakeslurm.ControlProgram, filepath.Join(u.fake, name)); err != nil {
			t.Fatal(err)
		}
	}
	u.env = []string{
		"HOME=" + u.home,
		"PATH=" + u.fake + ":/usr/bin:/bin",
		"LANG=C.UTF-8",
		fakeslurm.EnvDir + "=" + t.TempDir(),
		// The README's "$EDITOR FILE" step: the walk-through's editor
		// only checks that the file is there.
		"EDITOR=test -s",
	}
	return u
}

// path expands a README path (~/…) in the user's home.
func (u *newUser) path(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(u.home, rest)
	}
	return p
}

// setPath puts dir in front of the user's PATH, as they would in ~/.bashrc.
func (u *newUser) setPath(dir string) {
	for i, kv := range u.env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			u.env[i] = "PATH=" + dir + ":" + v
		}
	}
}

// sh runs line with /bin/sh in the user's home, as typed at a prompt, and
// fails the test unless it exits with code.
func (u *newUser) sh(code int, line string) (stdout, stderr string) {
	u.t.Helper()
	return u.shIn(u.home, code, line)
}

func (u *newUser) shIn(dir string, code int, line string) (stdout, stderr string) {
	u.t.Helper()
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Dir, cmd.Env = dir, u.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		u.t.Fatalf("%s: %v", line, err)
	}
	if got != code {
		u.t.Fatalf("$ %s\nexit code %d; want %d\nstdout:\n%s\nstderr:\n%s", line, got, code, o.String(), e.String())
	}
	return o.String(), e.String()
}

// writeScripts gives the user the nanochat checkout the configuration
// names: for each run, its batch script in its workdir, taking the resume
// step as $1 and naming its jobs after the run.
func (u *newUser) writeScripts(config string) map[string]runPaths {
	u.t.Helper()
	b, err := os.ReadFile(config)
	if err != nil {
		u.t.Fatal(err)
	}
	var cfg struct {
		Runs map[string]runPaths `yaml:"runs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		u.t.Fatal(err)
	}
	for name, r := range cfg.Runs {
		r = runPaths{Script: u.path(r.Script), Workdir: u.path(r.Workdir), CheckpointDir: u.path(r.CheckpointDir)}
		cfg.Runs[name] = r
		script := fmt.Sprintf(`#!/bin/bash
#SBATCH -J %s-ckpt
#SBATCH --time=24:00:00
python -m scripts.base_train --depth=%s --save-every=500 ${1:+--resume-from-step=$1}
`, name, strings.TrimLeft(name, "d"))
		if err := os.MkdirAll(filepath.Dir(r.Script), 0o755); err != nil {
			u.t.Fatal(err)
		}
		if err := os.WriteFile(r.Script, []byte(script), 0o755); err != nil {
			u.t.Fatal(err)
		}
	}
	return cfg.Runs
}

type runPaths struct {
	Script        string `yaml:"script"`
	Workdir       string `yaml:"workdir"`
	CheckpointDir string `yaml:"checkpoint_dir"`
}

// startDaemon starts argv as a systemd user manager would a Type=notify
// unit: with NOTIFY_SOCKET set, returning once the daemon said READY=1.
func (u *newUser) startDaemon(argv []string) {
	u.t.Helper()
	sock := filepath.Join(u.t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		u.t.Fatal(err)
	}
	u.notify = conn
	u.t.Cleanup(func() { conn.Close() })
	u.daemonErr = filepath.Join(u.t.TempDir(), "daemon.log")
	logFile, err := os.Create(u.daemonErr)
	if err != nil {
		u.t.Fatal(err)
	}
	u.t.Cleanup(func() { logFile.Close() })
	u.daemon = exec.Command(argv[0], argv[1:]...)
	u.daemon.Dir = u.home
	u.daemon.Env = append(append([]string{}, u.env...), "NOTIFY_SOCKET="+sock)
	u.daemon.Stdout, u.daemon.Stderr = logFile, logFile
	if err := u.daemon.Start(); err != nil {
		u.t.Fatal(err)
	}
	u.t.Cleanup(func() {
		if u.daemon.ProcessState == nil {
			u.daemon.Process.Kill()
			u.daemon.Wait()
		}
	})
	buf := make([]byte, 4096)
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		u.t.Fatal(err)
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			u.t.Fatalf("no READY=1 from %v: %v\n%s", argv, err, u.daemonLog())
		}
		if strings.Contains("\n"+string(buf[:n])+"\n", "\nREADY=1\n") {
			return
		}
	}
}

// stopDaemon stops it as systemctl stop does, with SIGTERM, and wants a
// clean exit.
func (u *newUser) stopDaemon() {
	u.t.Helper()
	if err := u.daemon.Process.Signal(syscall.SIGTERM); err != nil {
		u.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- u.daemon.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			u.t.Fatalf("daemon exited on SIGTERM with %v\n%s", err, u.daemonLog())
		}
	case <-time.After(30 * time.Second):
		u.t.Fatalf("daemon still running 30s after SIGTERM\n%s", u.daemonLog())
	}
}

func (u *newUser) daemonLog() string {
	b, _ := os.ReadFile(u.daemonErr)
	return string(b)
}

// eventually runs line until its stdout matches want, for at most 30 s.
func (u *newUser) eventually(line string, want *regexp.Regexp) string {
	u.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := u.sh(0, line)
		if want.MatchString(out) {
			return out
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("$ %s\nnever matched %s; last:\n%s\ndaemon log:\n%s", line, want, out, u.daemonLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
