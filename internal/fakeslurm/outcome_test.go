package fakeslurm

import (
	"strings"
	"testing"
)

func TestParseOutcome(t *testing.T) {
	tests := []struct {
		in      string
		want    Outcome
		wantErr bool
	}{
		{"TIMEOUT@3", Outcome{"TIMEOUT", "0:0", 3}, false},
		{"FAILED:1@2", Outcome{"FAILED", "1:0", 2}, false},
		{"FAILED@2", Outcome{"FAILED", "1:0", 2}, false},
		{"failed:2:0@0", Outcome{"FAILED", "2:0", 0}, false},
		{"COMPLETED", Outcome{"COMPLETED", "0:0", 1}, false},
		{"OUT_OF_MEMORY@1", Outcome{"OUT_OF_MEMORY", "0:125", 1}, false},
		{"CANCELLED@4", Outcome{"CANCELLED", "0:0", 4}, false},
		{"RUNNING", Outcome{"RUNNING", "0:0", 1}, false},
		{"EXPLODED@1", Outcome{}, true},
		{"FAILED:x@1", Outcome{}, true},
		{"FAILED:300@1", Outcome{}, true},
		{"TIMEOUT@-1", Outcome{}, true},
		{"TIMEOUT@", Outcome{}, true},
		{"", Outcome{}, true},
	}
	for _, tt := range tests {
		got, err := ParseOutcome(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseOutcome(%q) = %+v, %v; want %+v, err %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseOutcome(f *testing.F) {
	for _, s := range []string{"TIMEOUT@3", "FAILED:1@2", "COMPLETED", "x@y", "@@", "FAILED:1:2:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOutcome(s)
		if err != nil {
			return
		}
		if !outcomeStates[o.State] || o.After < 0 {
			t.Errorf("ParseOutcome(%q) = %+v: state or count out of range", s, o)
		}
		if _, err := normalizeExitCode(o.ExitCode); err != nil {
			t.Errorf("ParseOutcome(%q) exit code %q does not re-parse: %v", s, o.ExitCode, err)
		}
	})
}

// sacctStates returns "ID:STATE" for each row of an sacct call.
func (f *fake) sacctStates(ids ...string) string {
	f.t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(f.sacctIDs(ids...)), "\n") {
		if fields := strings.Split(line, "|"); len(fields) > 4 {
			got = append(got, fields[0]+":"+fields[3]+":"+fields[4])
		}
	}
	return strings.Join(got, " ")
}

func TestOutcomeScript(t *testing.T) {
	f := newFake(t)
	f.must(ControlProgram, "script", "TIMEOUT@3 FAILED:1@2", "COMPLETED@0")
	for i := 0; i < 4; i++ {
		f.submit()
	}
	// sacct call by call; job 4 has no outcome left: it starts on sight
	// and keeps running.
	want := []string{
		"1:RUNNING:0:0 2:RUNNING:0:0 3:COMPLETED:0:0 4:RUNNING:0:0",
		"1:RUNNING:0:0 2:RUNNING:0:0 3:COMPLETED:0:0 4:RUNNING:0:0",
		"1:RUNNING:0:0 2:FAILED:1:0 3:COMPLETED:0:0 4:RUNNING:0:0",
		"1:TIMEOUT:0:0 2:FAILED:1:0 3:COMPLETED:0:0 4:RUNNING:0:0",
		"1:TIMEOUT:0:0 2:FAILED:1:0 3:COMPLETED:0:0 4:RUNNING:0:0",
	}
	for call, w := range want {
		if got := f.sacctStates("1", "2", "3", "4"); got != w {
			t.Errorf("sacct call %d = %q, want %q", call+1, got, w)
		}
	}
}

func TestOutcomeCountsOnlyCallsThatSeeTheJob(t *testing.T) {
	f := newFake(t)
	f.must(ControlProgram, "script", "FAILED:2@1", "CANCELLED@1")
	f.submit()
	f.submit()
	// squeue starts both but does not count down.
	f.squeueAll()
	f.squeueAll()
	if got, want := f.sacctStates("1", "2"), "1:FAILED:2:0 2:CANCELLED by 1000:0:0"; got != want {
		t.Errorf("first sacct = %q, want %q", got, want)
	}

	g := newFake(t)
	g.must(ControlProgram, "script", "TIMEOUT@1", "TIMEOUT@1")
	g.submit()
	g.submit()
	g.sacctIDs("1") // sees job 1 only: it starts
	g.sacctIDs("1") // job 1 times out; job 2 was never seen
	if got, want := g.sacctStates("1", "2"), "1:TIMEOUT:0:0 2:RUNNING:0:0"; got != want {
		t.Errorf("sacct = %q, want %q", got, want)
	}
	g.must(ControlProgram, "hide", "2")
	g.sacctIDs("2")
	g.must(ControlProgram, "show", "2")
	if got, want := g.sacctStates("2"), "2:TIMEOUT:0:0"; got != want {
		t.Errorf("after a hidden call: sacct = %q, want %q (hidden calls do not count)", got, want)
	}
}

func TestOutcomeOverriddenByControl(t *testing.T) {
	f := newFake(t)
	f.must(ControlProgram, "script", "TIMEOUT@1")
	f.submit()
	f.sacctIDs("1")
	f.must(ControlProgram, "set", "1", "RUNNING")
	f.sacctIDs("1")
	if got, want := f.sacctStates("1"), "1:RUNNING:0:0"; got != want {
		t.Errorf("after set RUNNING the script still applied: %q, want %q", got, want)
	}
	f.must(ControlProgram, "script", "--clear")
	if got := f.world().Outcomes; len(got) != 0 {
		t.Errorf("outcomes after --clear = %+v, want none", got)
	}
}
