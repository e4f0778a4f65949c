package fakeslurm

import (
	"strconv"
	"strings"
	"testing"
)

// pipeSqueueFormat is SqueueFormat with squeue's customary '|' between
// the fields, which keeps the expected rows of these tests readable.
var pipeSqueueFormat = strings.ReplaceAll(SqueueFormat, squeueFormatSep, "|")

func TestSqueueSelection(t *testing.T) {
	f := newFake(t)
	f.submit("-J", "live")
	f.submit("-J", "ended")
	f.must(ControlProgram, "set", "2", "COMPLETED")
	base := []string{"--noheader", "--format=" + pipeSqueueFormat}
	tests := []struct {
		args []string
		want string // job names
	}{
		{[]string{"--me", "--states=all"}, "live ended"},
		{[]string{"--me"}, "live"}, // squeue's default: live jobs only
		{[]string{"-t", "PD"}, "live"},
		{[]string{"--states", "completed,failed"}, "ended"},
		{[]string{"-u", "someone", "-t", "all", "-j", "2,7"}, "ended"},
		{[]string{"--states=all", "--jobs=7,8"}, ""},
	}
	for _, tt := range tests {
		out := f.must("squeue", append(base, tt.args...)...)
		var names []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if fields := strings.Split(line, "|"); len(fields) > 1 {
				names = append(names, fields[1])
			}
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("squeue %q listed %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestSqueueErrors(t *testing.T) {
	f := newFake(t)
	f.submit()
	tests := []struct {
		args       []string
		wantStderr string
	}{
		// A lone id slurmctld no longer holds is an error (SLURM-FACTS.md).
		{[]string{"--noheader", "--format=" + pipeSqueueFormat, "-j", "40"},
			"slurm_load_jobs error: Invalid job id specified\n"},
		{[]string{"--noheader", "--me", "--states=all", "--format=%i %T"},
			"squeue: error: fakeslurm prints only --noheader --format=" + strconv.Quote(SqueueFormat) + " (with any separator); got noheader=true --format=\"%i %T\"\n"},
		{[]string{"--me", "--states=all", "--format=" + pipeSqueueFormat},
			"squeue: error: fakeslurm prints only --noheader --format=" + strconv.Quote(SqueueFormat) + " (with any separator); got noheader=false --format=\"" + pipeSqueueFormat + "\"\n"},
		{[]string{"--noheader", "--format=" + pipeSqueueFormat, "--states=sleepy"},
			"squeue: error: invalid job state specified: SLEEPY\n"},
		{[]string{"--noheader", "--format=" + pipeSqueueFormat, "--sort=i"},
			"squeue: error: fakeslurm does not support option \"--sort=i\"\n"},
	}
	for _, tt := range tests {
		out, errOut, rc := f.run("squeue", tt.args...)
		if rc != 1 || out != "" || errOut != tt.wantStderr {
			t.Errorf("squeue %q: rc %d stdout %q stderr %q, want rc 1 and %q", tt.args, rc, out, errOut, tt.wantStderr)
		}
	}
}

func TestSqueueMinJobAge(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvMinJobAge, "3")
	f.submit()
	f.must(ControlProgram, "set", "1", "COMPLETED")
	for _, tt := range []struct {
		at     int
		listed bool
	}{{0, true}, {2, true}, {3, false}} {
		f.at(sec(tt.at))
		if got := f.squeueAll() != ""; got != tt.listed {
			t.Errorf("%d s after the end: listed %t, want %t", tt.at, got, tt.listed)
		}
	}
}

func TestScancel(t *testing.T) {
	f := newFake(t)
	f.submit("-J", "a")
	f.submit("-J", "b")
	f.must(ControlProgram, "run", "1")
	f.must(ControlProgram, "set", "2", "COMPLETED")
	out, errOut, rc := f.run("scancel", "1")
	if rc != 0 || out != "" || errOut != "" {
		t.Errorf("scancel of a running job: rc %d stdout %q stderr %q, want rc 0 and silence", rc, out, errOut)
	}
	if got := f.world().job(1).State; got != "CANCELLED by 1000" {
		t.Errorf("state after scancel = %q, want %q", got, "CANCELLED by 1000")
	}
	// Ended and unknown ids: silence and rc 0, as measured on 22.05; only
	// -v tells.
	for _, id := range []string{"1", "2", "99"} {
		if out, errOut, rc := f.run("scancel", id); rc != 0 || out != "" || errOut != "" {
			t.Errorf("scancel %s: rc %d stdout %q stderr %q, want rc 0 and silence", id, rc, out, errOut)
		}
	}
	_, errOut, rc = f.run("scancel", "-v", "2", "99")
	want := "scancel: Terminating job 2\nscancel: Terminating job 99\n" +
		"scancel: error: Kill job error on job id 2: Invalid job id specified\n" +
		"scancel: error: Kill job error on job id 99: Invalid job id specified\n"
	if rc != 0 || errOut != want {
		t.Errorf("scancel -v: rc %d stderr %q, want rc 0 and %q", rc, errOut, want)
	}
	for _, args := range [][]string{{}, {"--signal=NOPE", "1"}, {"abc"}, {"--name=x"}} {
		if _, errOut, rc := f.run("scancel", args...); rc != 1 || !strings.HasPrefix(errOut, "scancel: error: ") {
			t.Errorf("scancel %q: rc %d stderr %q, want rc 1 and an error", args, rc, errOut)
		}
	}
}

func TestScancelSignalKeepsJob(t *testing.T) {
	f := newFake(t)
	f.submit()
	f.must(ControlProgram, "run", "1")
	f.must("scancel", "--signal=USR1", "--batch", "1")
	if got := f.world().job(1).State; got != stateRunning {
		t.Errorf("state after scancel --signal = %q, want RUNNING", got)
	}
}
