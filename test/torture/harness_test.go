package torture

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Module paths of the two programs the test builds.
const (
	daemonPkg = "github.com/nanosupervisord/nanosupervisord/cmd/nanosupervisord"
	fakePkg   = "github.com/nanosupervisord/nanosupervisord/cmd/nsv-fakeslurm"
)

// runSpec is one supervised run of the torture config.
type runSpec struct {
	Name    string // run name in the config
	JobName string // #SBATCH -J of its script
	Dir     string // workdir, holds the script
	Ckpt    string // checkpoint directory
}

// harness is one torture cluster: the built programs, the fake Slurm's
// state, the daemon's config and state directory.
type harness struct {
	dir        string
	daemonBin  string
	controlBin string // nsv-fakeslurm used by the test itself
	slurmExe   string // the copy the daemon runs as sbatch/sacct/...: its processes are the daemon's
	config     string
	stateDir   string
	clusterDir string
	env        []string
	runs       []runSpec
	cluster    *cluster
}

// newHarness copies the programs into a temp dir and lays out a cluster
// with the given runs.
func newHarness(t *testing.T, runNames []string) *harness {
	t.Helper()
	dir := t.TempDir()
	if keep := os.Getenv("NSV_TORTURE_DIR"); keep != "" {
		// Kept after the test, for a post-mortem of the journal and the
		// fake's state.
		dir = filepath.Join(keep, time.Now().Format("20060102-150405"))
		t.Logf("NSV_TORTURE_DIR: keeping the cluster, journal and state in %s", dir)
	}
	h := &harness{
		dir:        dir,
		daemonBin:  filepath.Join(dir, "tools", "nanosupervisord"),
		controlBin: filepath.Join(dir, "tools", "nsv-fakeslurm"),
		slurmExe:   filepath.Join(dir, "slurmbin", "nsv-fakeslurm"),
		config:     filepath.Join(dir, "config.yaml"),
		stateDir:   filepath.Join(dir, "state"),
		clusterDir: filepath.Join(dir, "cluster"),
	}
	mustCopy(t, builtDaemon, h.daemonBin)
	mustCopy(t, builtFake, h.controlBin)
	// A separate copy for the daemon, so that /proc tells the daemon's
	// (possibly orphaned) Slurm calls from the test's own control calls.
	mustCopy(t, h.controlBin, h.slurmExe)
	for _, prog := range []string{"sbatch", "sacct", "squeue", "scancel"} {
		if err := os.Symlink("nsv-fakeslurm", filepath.Join(dir, "slurmbin", prog)); err != nil {
			t.Fatal(err)
		}
	}
	home := filepath.Join(dir, "home")
	for _, d := range []string{home, h.clusterDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h.env = append(cleanEnviron(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_STATE_HOME="+filepath.Join(home, ".local", "state"),
		"FAKESLURM_DIR="+h.clusterDir,
		// A new job has no sacct row for the first sacct call that asks
		// (SLURM-FACTS.md: 0.2–1.8 s); squeue lists it at once.
		"FAKESLURM_SACCT_LAG=1",
	)
	for _, name := range runNames {
		h.runs = append(h.runs, newRun(t, dir, name))
	}
	h.writeConfig(t)
	h.cluster = &cluster{bin: h.controlBin, env: h.env}
	// New jobs start RUNNING on the first sacct/squeue that sees them.
	if _, err := h.cluster.run("script"); err != nil {
		t.Fatal(err)
	}
	return h
}

// cleanEnviron is the test's environment without the variables that
// would point the daemon or the fake elsewhere.
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "FAKESLURM_"), strings.HasPrefix(name, "NSV_"),
			strings.HasPrefix(name, "XDG_"), name == "HOME", name == "NOTIFY_SOCKET":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func newRun(t *testing.T, dir, name string) runSpec {
	t.Helper()
	r := runSpec{
		Name:    name,
		JobName: "torture-" + name,
		Dir:     filepath.Join(dir, "runs", name),
		Ckpt:    filepath.Join(dir, "runs", name, "ckpt"),
	}
	if err := os.MkdirAll(r.Ckpt, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n#SBATCH -J %s\n#SBATCH --output=log-%%j.out\nexit 0\n", r.JobName)
	if err := os.WriteFile(filepath.Join(r.Dir, "train.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// writeConfig writes a config whose runs are resubmitted for ever: start
// submit, short backoff, budgets that never run out, a target no
// checkpoint meets.
func (h *harness) writeConfig(t *testing.T) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "poll_interval: 1s\nstate_dir: %q\nslurm:\n  bin_dir: %q\n  command_timeout: %s\nruns:\n",
		h.stateDir, filepath.Dir(h.slurmExe), commandTimeout)
	for _, r := range h.runs {
		fmt.Fprintf(&b, "  %s:\n", r.Name)
		fmt.Fprintf(&b, "    script: %q\n    workdir: %q\n    checkpoint_dir: %q\n", filepath.Join(r.Dir, "train.sh"), r.Dir, r.Ckpt)
		fmt.Fprintf(&b, "    ranks: 1\n    resume_args: [\"{step}\"]\n    log: %q\n    start: submit\n", filepath.Join(r.Dir, "log-%j.out"))
		b.WriteString("    targets: {val_bpb: 0.0001}\n")
		b.WriteString("    policy: {max_attempts: 1000000, max_failures_without_progress: 1000000, backoff: 1s, max_backoff: 2s}\n")
	}
	if err := os.WriteFile(h.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The programs, built once by TestMain.
var builtDaemon, builtFake string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nsv-torture-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	builtDaemon, builtFake = filepath.Join(dir, "nanosupervisord"), filepath.Join(dir, "nsv-fakeslurm")
	err = goBuild(builtDaemon, daemonPkg, raceEnabled)
	if err == nil {
		err = goBuild(builtFake, fakePkg, false)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goBuild builds pkg into out.
func goBuild(out, pkg string, race bool) error {
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool(), append(args, pkg)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

func mustCopy(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
