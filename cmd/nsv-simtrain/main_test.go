package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as nsv-simtrain when this variable is set, so the
// tests see real exit codes and real signal deaths.
const beMain = "NSV_SIMTRAIN_TEST_BE_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(beMain) == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func command(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), beMain+"=1", "NANOCHAT_BASE_DIR="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if !errors.As(err, &ee) {
		t.Fatalf("run: %v", err)
	}
	return ee.ExitCode()
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"finished run", nil, []string{"--num-iterations=5", "--step-time=0"}, 0, ""},
		{"crash code from env", []string{"SIMTRAIN_CRASH_AT_STEP=2", "SIMTRAIN_CRASH_CODE=42"},
			[]string{"--num-iterations=5", "--step-time=0"}, 42, "Traceback (most recent call last):"},
		{"bad flag", nil, []string{"--no-such-flag"}, 2, "usage: nsv-simtrain"},
		{"resume without a checkpoint", nil, []string{"--num-iterations=5", "3"}, 1, "FileNotFoundError: [Errno 2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := command(t, tt.env, tt.args...)
			cmd.Stderr = &stderr
			code := exitStatus(t, cmd.Run())
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

// Slurm ends a TIMEOUT with SIGTERM; nanochat does not trap it, so neither
// may the simulation: the process must die of the signal at once.
func TestSIGTERMKillsAtOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	cmd := command(t, nil, "--checkpoint-dir="+dir, "--num-iterations=100000", "--step-time=5ms")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "step 00003/") {
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for sc.Scan() { // drain so the child never blocks on a full pipe
		}
		done <- cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running 5 s after SIGTERM")
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("process state = %v, want killed by SIGTERM (shell exit 143)", cmd.ProcessState)
	}
}

// A hang must last until the process is killed: the real command has no
// deadline, and a hang the Go runtime mistakes for a deadlock would exit.
func TestHangInSaveHangsUntilKilled(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	cmd := command(t, []string{"SIMTRAIN_HANG_IN_SAVE_AT_STEP=4"},
		"--checkpoint-dir="+dir, "--num-iterations=10", "--save-every=2", "--step-time=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	model := filepath.Join(dir, "model_000004.pt")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(model); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("model_000004.pt never appeared; stderr:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("exited (%v) instead of hanging; stderr:\n%s", err, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := os.Stat(filepath.Join(dir, "meta_000004.json")); err == nil {
		t.Error("meta_000004.json written although the model save hangs")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running 5 s after SIGTERM")
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGTERM {
		t.Errorf("process state = %v, want killed by SIGTERM", cmd.ProcessState)
	}
}
