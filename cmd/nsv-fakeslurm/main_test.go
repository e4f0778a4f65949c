package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/internal/fakeslurm"
)

// buildFake builds this command and links it under the Slurm program
// names, as a CLI test or the demo puts it on PATH. It returns the bin dir.
func buildFake(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	exe := filepath.Join(bin, fakeslurm.ControlProgram)
	build := exec.Command("go", "build", "-o", exe, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, name := range []string{"sbatch", "sacct", "squeue", "scancel", "srun"} {
		if err := os.Symlink(exe, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

type result struct {
	stdout, stderr string
	rc             int
}

func run(t *testing.T, bin, work string, env []string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = work
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	rc := 0
	if ee, ok := err.(*exec.ExitError); ok {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return result{out.String(), errOut.String(), rc}
}

func TestBinaryAnswersToItsNames(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildFake(t)
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "train.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "TZ=UTC", "FAKESLURM_DIR=" + filepath.Join(work, ".slurm"),
		"FAKESLURM_NOW=1795887926", "FAKESLURM_UID=1000"}
	sacctArgs := []string{"--parsable2", "--noheader", "-X", "--format=" + fakeslurm.SacctFormat, "-j", "1"}
	steps := []struct {
		name string
		args []string
		want result
	}{
		{"sbatch", []string{"--parsable", "-J", "d20", "--comment=tag", "train.sh"}, result{"1\n", "", 0}},
		{"nsv-fakeslurm", []string{"sbatch", "--parsable", "train.sh"}, result{"2\n", "", 0}},
		{"sacct", sacctArgs, result{"1|1|d20|PENDING|0:0|2026-11-28T17:45:26|Unknown|Unknown|00:00:00|Partition_Limit|" + work + "|None|||None assigned\n", "", 0}},
		{"scancel", []string{"1"}, result{"", "", 0}},
		{"squeue", []string{"--noheader", "--me", "--states=all", "--format=" + strings.ReplaceAll(fakeslurm.SqueueFormat, "\x1f", "|")}, result{
			"1|d20|CANCELLED|None|2026-11-28T17:45:26|2026-11-28T17:45:26|UNLIMITED|0:00|" + work + "|tag\n" +
				"2|train.sh|PENDING|None|2026-11-28T17:45:26|N/A|UNLIMITED|0:00|" + work + "|(null)\n", "", 0}},
		{"nsv-fakeslurm", []string{"jobs", "--live"}, result{"train.sh 1\n", "", 0}},
		{"srun", []string{"true"}, result{"", "fakeslurm: unknown program \"srun\": want sbatch, sacct, squeue, scancel or nsv-fakeslurm\n", 2}},
	}
	for _, s := range steps {
		if got := run(t, bin, work, env, s.name, s.args...); got != s.want {
			t.Errorf("%s %s:\n got %+v\nwant %+v", s.name, strings.Join(s.args, " "), got, s.want)
		}
	}
	noDir := []string{"PATH=" + os.Getenv("PATH")}
	got := run(t, bin, work, noDir, "sacct", sacctArgs...)
	if got.rc != 1 || !strings.Contains(got.stderr, "FAKESLURM_DIR is not set") {
		t.Errorf("without FAKESLURM_DIR: %+v, want rc 1 naming the variable", got)
	}
}
