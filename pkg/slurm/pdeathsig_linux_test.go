//go:build linux

package slurm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play a daemon that runs one slow Slurm
// command (see TestCommandDiesWithTheDaemon).
func TestMain(m *testing.M) {
	if dir := os.Getenv("NSV_TEST_DAEMON_DIR"); dir != "" {
		r := &ExecRunner{BinDir: dir, Timeout: time.Minute}
		r.Run(context.Background(), Command{Name: "sbatch"})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCommandDiesWithTheDaemon kills a "daemon" with SIGKILL while its
// sbatch runs: the sbatch must die too, not go on to create a job the
// restarted daemon knows nothing about.
func TestCommandDiesWithTheDaemon(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "sbatch.pid")
	script := "#!/bin/sh\necho $$ > " + pidFile + "\nexec sleep 30\n"
	if err := os.WriteFile(filepath.Join(dir, "sbatch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	daemon := exec.Command(os.Args[0], "-test.run=^$")
	daemon.Env = append(os.Environ(), "NSV_TEST_DAEMON_DIR="+dir)
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; {
		if data, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
		if time.Now().After(deadline) {
			daemon.Process.Kill()
			t.Fatal("the fake sbatch never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	daemon.Process.Signal(syscall.SIGKILL)
	daemon.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if err := syscall.Kill(pid, 0); err != nil {
			return // gone
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("sbatch (pid %d) outlived its daemon by 5 s", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
