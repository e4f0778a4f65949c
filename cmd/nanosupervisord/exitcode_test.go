package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMainExitCodes checks the documented exit codes of Main in-process:
// 0 success, 1 failure or invalid configuration, 2 bad command line, 3
// state directory held by another instance.
func TestMainExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("NSV_CONFIG", "")
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// check-config looks for the Slurm programs on PATH: give it stubs, so
	// that the test does not depend on Slurm being installed here.
	for _, prog := range []string{"sbatch", "sacct", "squeue", "scancel"} {
		if err := os.Chmod(write("bin/"+prog, "#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	write("train.sh", "#!/bin/sh\n#SBATCH -J d20-ckpt\n")
	good := write("good.yaml", "runs:\n  d20:\n    script: train.sh\n    checkpoint_dir: ckpt\n")
	bad := write("bad.yaml", "runs:\n  d20:\n    script: train.sh\n    checkpoint_dir: ckpt\n    ranks: 0\n")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	held := filepath.Join(dir, "state", "nanosupervisord")
	if code := cmdMklease(scriptEnv{abs: func(p string) string { return p }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}},
		[]string{held, "login2.example.org", "4242"}); code != 0 {
		t.Fatalf("mklease exited %d", code)
	}

	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string // a substring; "" means stderr must be empty
	}{
		{"version", []string{"version"}, exitOK, ""},
		{"help", []string{"--help"}, exitOK, ""},
		{"good config", []string{"check-config", good}, exitOK, ""},
		{"bad config", []string{"check-config", bad}, exitError, "bad.yaml:5:12: runs.d20.ranks: must be at least 1, got 0"},
		{"missing config", []string{"check-config", filepath.Join(dir, "nosuch.yaml")}, exitError, "nosuch.yaml"},
		{"no complete checkpoint", []string{"ckpt", empty}, exitError, ""},
		{"unknown verb", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"status", "--frobnicate"}, exitUsage, "unknown flag: --frobnicate"},
		{"missing argument", []string{"history"}, exitUsage, "accepts 1 arg(s), received 0"},
		{"extra argument", []string{"ckpt", "a", "b"}, exitUsage, "accepts 1 arg(s), received 2"},
		{"flag value", []string{"ckpt", empty, "--ranks", "two"}, exitUsage, "invalid argument"},
		{"lease held", []string{"tick", "--config", good}, exitLockHeld, "pid 4242 on host login2.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := Main(tt.args, strings.NewReader(""), &stdout, &stderr)
			if got != tt.want {
				t.Errorf("Main(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.want, stderr.String())
			}
			switch {
			case tt.wantStderr == "" && stderr.Len() > 0 && !strings.HasPrefix(stderr.String(), "warning:"):
				t.Errorf("Main(%q) stderr = %q, want nothing", tt.args, stderr.String())
			case !strings.Contains(stderr.String(), tt.wantStderr):
				t.Errorf("Main(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.wantStderr)
			}
		})
	}
}
