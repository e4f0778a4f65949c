package fakeslurm

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestControlSet(t *testing.T) {
	tests := []struct {
		args              []string
		state, exit       string
		started, finished bool
	}{
		{[]string{"TIMEOUT"}, "TIMEOUT", "0:0", true, true},
		{[]string{"FAILED"}, "FAILED", "1:0", true, true},
		{[]string{"FAILED", "1:0"}, "FAILED", "1:0", true, true},
		{[]string{"failed", "7"}, "FAILED", "7:0", true, true},
		{[]string{"CANCELLED by 0"}, "CANCELLED by 0", "0:0", false, true},
		{[]string{"CANCELLED"}, "CANCELLED by 1000", "0:0", false, true},
		{[]string{"NODE_FAIL"}, "NODE_FAIL", "0:0", true, true},
		{[]string{"RUNNING"}, "RUNNING", "0:0", true, false},
		{[]string{"PENDING"}, "PENDING", "0:0", false, false},
	}
	for _, tt := range tests {
		f := newFake(t)
		f.submit()
		f.must(ControlProgram, append([]string{"set", "1"}, tt.args...)...)
		j := f.world().job(1)
		if j.State != tt.state || j.ExitCode != tt.exit || (j.Start != 0) != tt.started || (j.End != 0) != tt.finished {
			t.Errorf("set %q: state %q exit %q start %d end %d; want %q %q started %t finished %t",
				tt.args, j.State, j.ExitCode, j.Start, j.End, tt.state, tt.exit, tt.started, tt.finished)
		}
	}
}

func TestControlErrors(t *testing.T) {
	f := newFake(t)
	f.submit()
	for _, args := range [][]string{
		{"set", "1", "ASLEEP"}, {"set", "1", "FAILED", "x"}, {"set", "9", "FAILED"}, {"set", "1"},
		{"run", "x"}, {"hide"}, {"list", "--yaml"}, {"jobs", "--dead"}, {"script", "EXPLODED@1"},
		{"fault", "sinfo"}, {"fault", "sacct", "--create"}, {"fault", "sacct", "--sleep", "soon"},
		{"fault", "sacct", "--rc"}, {"frobnicate"},
	} {
		out, errOut, rc := f.run(ControlProgram, args...)
		if rc != 1 || out != "" || !strings.HasPrefix(errOut, ControlProgram+": ") {
			t.Errorf("%q: rc %d stdout %q stderr %q, want rc 1 and an error", args, rc, out, errOut)
		}
	}
	if out, _, rc := f.run(ControlProgram, "help"); rc != 0 || !strings.Contains(out, "usage: nsv-fakeslurm") {
		t.Errorf("help: rc %d, output %q", rc, out)
	}
}

func TestMainWithoutDir(t *testing.T) {
	newFake(t)
	t.Setenv(EnvDir, "")
	out, errOut, rc := (&fake{t: t}).run("sacct", "-j", "1")
	want := "fakeslurm: sacct: FAKESLURM_DIR is not set: point it at a directory for the fake cluster's state\n"
	if rc != 1 || out != "" || errOut != want {
		t.Errorf("rc %d stdout %q stderr %q, want rc 1 and %q", rc, out, errOut, want)
	}
}

func TestControlJobsLive(t *testing.T) {
	f := newFake(t)
	f.submit("-J", "d20")
	f.submit("-J", "d20")
	f.submit("-J", "d26")
	f.submit("-J", "done")
	f.must(ControlProgram, "set", "1", "TIMEOUT")
	f.must(ControlProgram, "run", "2")
	f.must(ControlProgram, "set", "4", "COMPLETED")
	if got, want := f.must(ControlProgram, "jobs", "--live"), "d20 1\nd26 1\n"; got != want {
		t.Errorf("jobs --live = %q, want %q", got, want)
	}
	if got, want := f.must(ControlProgram, "jobs"), "d20 2\nd26 1\ndone 1\n"; got != want {
		t.Errorf("jobs = %q, want %q", got, want)
	}
}

func TestControlList(t *testing.T) {
	f := newFake(t)
	if got := f.must(ControlProgram, "list", "--json"); got != "[]\n" {
		t.Errorf("list --json of an empty cluster = %q, want []", got)
	}
	f.submit("-J", "d20", "--comment=tag")
	var jobs []Job
	if err := json.Unmarshal([]byte(f.must(ControlProgram, "list", "--json")), &jobs); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Name != "d20" || jobs[0].Comment != "tag" {
		t.Errorf("list --json = %+v, want job d20 with comment tag", jobs)
	}
	table := f.must(ControlProgram, "list")
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "1 ") ||
		!strings.Contains(lines[1], "PENDING") {
		t.Errorf("list =\n%s\nwant a header and job 1 PENDING", table)
	}
}

func TestFirstID(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvFirstID, "1000")
	if got := f.submit(); got != "1000" {
		t.Errorf("first id = %s, want 1000", got)
	}
	if got := f.submit(); got != "1001" {
		t.Errorf("second id = %s, want 1001", got)
	}
}

func TestControlDispatchesSlurmPrograms(t *testing.T) {
	f := newFake(t)
	f.script("train.sh", "#!/bin/sh\n")
	if got := f.must(ControlProgram, "sbatch", "--parsable", "train.sh"); got != "1\n" {
		t.Errorf("nsv-fakeslurm sbatch printed %q, want 1", got)
	}
	if _, errOut, rc := f.run("srun", "x"); rc != 2 || !strings.Contains(errOut, "unknown program") {
		t.Errorf("srun: rc %d stderr %q, want rc 2 and unknown program", rc, errOut)
	}
}
