package slurm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeScript puts an executable shell script named name into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExecRunnerTimeoutKillsProcessGroup(t *testing.T) {
	bin := t.TempDir()
	pidFile := filepath.Join(t.TempDir(), "pids")
	// The fake sacct starts a grandchild, records both pids, then hangs.
	writeScript(t, bin, "sacct", `sleep 60 &
echo "$! $$" > "$1"
echo "sacct: waiting" >&2
wait
`)
	r := &ExecRunner{BinDir: bin, Timeout: time.Second}
	start := time.Now()
	_, stderr, err := r.Run(context.Background(), Command{Name: "sacct", Args: []string{pidFile}})
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("Run took %v, want it to return soon after the 1s timeout", elapsed)
	}
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CommandError", err)
	}
	if !ce.TimedOut || !IsTransient(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got TimedOut=%v IsTransient=%v err=%v, want a transient timeout", ce.TimedOut, IsTransient(err), err)
	}
	if !strings.Contains(ce.Stderr, "sacct: waiting") || !strings.Contains(string(stderr), "sacct: waiting") {
		t.Errorf("got stderr %q, want what the script printed before the kill", ce.Stderr)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(field)
		if err != nil {
			t.Fatal(err)
		}
		waitDead(t, pid)
	}
}

// waitDead fails the test unless pid is gone (or a zombie nobody reaped
// yet, which is dead all the same) within a few seconds.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err == nil {
			if _, rest, ok := strings.Cut(string(stat), ") "); ok && strings.HasPrefix(rest, "Z") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("process %d is still alive after the timeout", pid)
}

func TestExecRunnerExitStatusKeepsStderr(t *testing.T) {
	bin := t.TempDir()
	writeScript(t, bin, "sacct", `echo "partial"
echo "sacct: error: Problem talking to the database: Connection refused" >&2
exit 1
`)
	r := &ExecRunner{BinDir: bin}
	stdout, _, err := r.Run(context.Background(), Command{Name: "sacct", Args: []string{"-X"}})
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CommandError", err)
	}
	if ce.ExitCode != 1 || ce.TimedOut || ce.Cmd != "sacct" || len(ce.Args) != 1 {
		t.Errorf("got %+v, want sacct [-X] exit 1, not timed out", ce)
	}
	if !strings.Contains(ce.Stderr, "Problem talking to the database") {
		t.Errorf("got stderr %q, want the database message", ce.Stderr)
	}
	if string(stdout) != "partial\n" {
		t.Errorf("got stdout %q, want what was printed before the failure", stdout)
	}
	if !IsTransient(err) {
		t.Error("IsTransient = false, want true for a database outage")
	}
}

func TestExecRunnerBinDir(t *testing.T) {
	bin, pathDir := t.TempDir(), t.TempDir()
	writeScript(t, bin, "squeue", "echo from-bindir\n")
	writeScript(t, pathDir, "squeue", "echo from-path\n")
	t.Setenv("PATH", pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	tests := []struct {
		binDir, name, want string
	}{
		{bin, "squeue", "from-bindir\n"},
		{"", "squeue", "from-path\n"},
		{bin, filepath.Join(pathDir, "squeue"), "from-path\n"}, // an explicit path wins
	}
	for _, tt := range tests {
		out, _, err := (&ExecRunner{BinDir: tt.binDir}).Run(context.Background(), Command{Name: tt.name})
		if err != nil || string(out) != tt.want {
			t.Errorf("BinDir %q name %q: got %q, %v; want %q", tt.binDir, tt.name, out, err, tt.want)
		}
	}
}

func TestExecRunnerMissingProgram(t *testing.T) {
	bin := t.TempDir()
	// A sbatch in PATH must not be used when BinDir lacks one.
	pathDir := t.TempDir()
	writeScript(t, pathDir, "sbatch", "echo 99\n")
	t.Setenv("PATH", pathDir)
	_, _, err := (&ExecRunner{BinDir: bin}).Run(context.Background(), Command{Name: "sbatch"})
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CommandError", err)
	}
	if ce.ExitCode != -1 || Classify(err) != ClassPermanent || SubmitMayHaveCreatedJob(err) {
		t.Errorf("got %+v class %v, want exit -1, permanent, no job created", ce, Classify(err))
	}
	if !strings.Contains(err.Error(), filepath.Join(bin, "sbatch")) {
		t.Errorf("error %q does not name the path tried", err)
	}
}

func TestExecRunnerEnvAndDir(t *testing.T) {
	bin, work := t.TempDir(), t.TempDir()
	writeScript(t, bin, "sbatch", `echo "dir=$(pwd)"
echo "extra=$NSV_EXTRA"
echo "inherited=$NSV_INHERITED"
`)
	t.Setenv("NSV_INHERITED", "yes")
	out, _, err := (&ExecRunner{BinDir: bin}).Run(context.Background(),
		Command{Name: "sbatch", Dir: work, Env: []string{"NSV_EXTRA=d20"}})
	if err != nil {
		t.Fatal(err)
	}
	realWork, err := filepath.EvalSymlinks(work)
	if err != nil {
		t.Fatal(err)
	}
	want := "dir=" + realWork + "\nextra=d20\ninherited=yes\n"
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestExecRunnerCallerCancel(t *testing.T) {
	bin := t.TempDir()
	writeScript(t, bin, "sbatch", "exec sleep 60\n")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, _, err := (&ExecRunner{BinDir: bin, Timeout: -1}).Run(ctx, Command{Name: "sbatch"})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.TimedOut || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want a cancelled, not timed out, *CommandError", err)
	}
	if !SubmitMayHaveCreatedJob(err) {
		t.Error("SubmitMayHaveCreatedJob = false for a killed sbatch, want true")
	}
}

func TestExecRunnerCapsStderr(t *testing.T) {
	bin := t.TempDir()
	writeScript(t, bin, "sacct", `i=0
while [ $i -lt 2000 ]; do echo "sacct: error: line $i of a runaway program's stderr" >&2; i=$((i+1)); done
exit 2
`)
	_, stderr, err := (&ExecRunner{BinDir: bin}).Run(context.Background(), Command{Name: "sacct"})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 2 {
		t.Fatalf("got %v, want exit 2", err)
	}
	if len(stderr) != maxStderr || len(ce.Stderr) != maxStderr {
		t.Errorf("got %d bytes of stderr, want the cap %d", len(stderr), maxStderr)
	}
}

func TestExecRunnerContextDoneBeforeStart(t *testing.T) {
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "ran")
	writeScript(t, bin, "sbatch", "touch \"$1\"\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := (&ExecRunner{BinDir: bin}).Run(ctx, Command{Name: "sbatch", Args: []string{marker}})
	if !errors.Is(err, context.Canceled) || strings.Count(err.Error(), "context canceled") != 1 {
		t.Errorf("got %v, want one context.Canceled", err)
	}
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Error("the program ran although ctx was already done")
	}
}

// TestExecRunnerCapsStdout: a command that prints too much is killed
// once its stdout passes MaxOutput, and the error names it.
func TestExecRunnerCapsStdout(t *testing.T) {
	bin := t.TempDir()
	// A megabyte, then it hangs: only the cap ends it before the timeout.
	writeScript(t, bin, "squeue", "head -c 1048576 /dev/zero\nexec sleep 60\n")
	r := &ExecRunner{BinDir: bin, Timeout: 30 * time.Second, MaxOutput: 64 << 10}
	start := time.Now()
	stdout, _, err := r.Run(context.Background(), Command{Name: "squeue", Args: []string{"--me"}})
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("Run took %v, want the command killed at the cap, not at the timeout", elapsed)
	}
	var ce *CommandError
	if !errors.As(err, &ce) || !errors.Is(err, ErrOutputTooLarge) || ce.TimedOut || IsTransient(err) {
		t.Fatalf("got %v, want a *CommandError with ErrOutputTooLarge, not a timeout", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "squeue --me: stdout too large: more than 65536 bytes") {
		t.Errorf("got %q, want it to name the command and the cap", msg)
	}
	if len(stdout) != 64<<10 {
		t.Errorf("kept %d bytes of stdout, want the cap %d", len(stdout), 64<<10)
	}
	writeScript(t, bin, "sacct", "head -c 65536 /dev/zero\n")
	if stdout, _, err := r.Run(context.Background(), Command{Name: "sacct"}); err != nil || len(stdout) != 64<<10 {
		t.Errorf("exactly the cap: got %d bytes, %v; want all of them and no error", len(stdout), err)
	}
}
