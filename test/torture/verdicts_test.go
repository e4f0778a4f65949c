package torture

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// The torture's judgements are code too: these tests pin them down on
// hand-made evidence, so that a torture run that passes means what it says.

func TestOverlappingJobs(t *testing.T) {
	tests := []struct {
		name string
		jobs []fakeJob
		want [][2]int
	}{
		{"successor submitted the second its predecessor ended", []fakeJob{
			{ID: 1, Name: "a", State: "TIMEOUT", Submit: 10, End: 20},
			{ID: 2, Name: "a", State: "RUNNING", Submit: 20},
		}, nil},
		{"successor submitted before its predecessor ended", []fakeJob{
			{ID: 1, Name: "a", State: "TIMEOUT", Submit: 10, End: 20},
			{ID: 2, Name: "a", State: "TIMEOUT", Submit: 19, End: 30},
		}, [][2]int{{1, 2}}},
		{"two live jobs", []fakeJob{
			{ID: 1, Name: "a", State: "RUNNING", Submit: 10},
			{ID: 2, Name: "a", State: "PENDING", Submit: 50},
		}, [][2]int{{1, 2}}},
		{"live jobs of different runs", []fakeJob{
			{ID: 1, Name: "a", State: "RUNNING", Submit: 10},
			{ID: 2, Name: "b", State: "RUNNING", Submit: 10},
		}, nil},
		{"an ended job inside a live one", []fakeJob{
			{ID: 1, Name: "a", State: "RUNNING", Submit: 10},
			{ID: 2, Name: "a", State: "FAILED", Submit: 11, End: 12},
		}, [][2]int{{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][2]int
			for _, p := range overlappingJobs(tt.jobs) {
				got = append(got, [2]int{p[0].ID, p[1].ID})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("overlappingJobs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTwinEvidence(t *testing.T) {
	jobs := []fakeJob{
		{ID: 1, Name: "a", State: "RUNNING"},
		{ID: 2, Name: "a", State: "TIMEOUT"},
		{ID: 3, Name: "b", State: "RUNNING"},
	}
	if got := twinEvidence(jobs); got != "" {
		t.Errorf("one live job per name: twinEvidence = %q, want none", got)
	}
	jobs = append(jobs, fakeJob{ID: 4, Name: "a", State: "PENDING"})
	if got := twinEvidence(jobs); got == "" {
		t.Errorf("jobs 1 and 4 both live: twinEvidence = %q, want evidence", got)
	}
}

func TestParseLiveCounts(t *testing.T) {
	got, err := parseLiveCounts("torture-d20 1\ntorture d24 2\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"torture-d20": 1, "torture d24": 2}
	if len(got) != len(want) || got["torture-d20"] != 1 || got["torture d24"] != 2 {
		t.Errorf("parseLiveCounts = %v, want %v", got, want)
	}
	if _, err := parseLiveCounts("torture-d20\n"); err == nil {
		t.Errorf("parseLiveCounts(a line without a count): no error, want one")
	}
}

func TestClassifyKill(t *testing.T) {
	intent := run.RunState{Intent: &run.Intent{Tag: "nsv:a:1:x"}}
	tests := []struct {
		name         string
		last         string
		st           run.RunState
		seen, tagged bool
		want         killPoint
	}{
		{"intent journaled, no job", run.EventSubmitIntent, intent, false, false, pointIntentSbatch},
		{"intent journaled, job created", run.EventSubmitIntent, intent, false, true, pointSbatchRecord},
		{"intent outstanding since an earlier kill", run.EventSubmitIntent, intent, true, true, pointElsewhere},
		{"sbatch answered ambiguously", run.EventResubmitFailed, intent, false, true, pointElsewhere},
		{"intent waited on by a later life", "state", intent, false, false, pointElsewhere},
		{"job recorded", run.EventJobResubmitted, run.RunState{}, false, false, pointElsewhere},
	}
	for _, tt := range tests {
		if got := classifyKill(tt.last, tt.st, tt.seen, tt.tagged); got != tt.want {
			t.Errorf("%s: classifyKill = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestJudgeProblems(t *testing.T) {
	torn := map[string]bool{}
	tornLast := ledger.Problem{File: "journal.jsonl", Line: 7, Err: "torn last line (no newline at end of file): unexpected end of JSON input"}
	if bad := judgeProblems([]ledger.Problem{tornLast}, torn); len(bad) != 0 {
		t.Errorf("a torn last line: bad = %v, want none", bad)
	}
	// The next life ended the fragment with a newline: same line, now
	// complete but unreadable.
	ended := ledger.Problem{File: "journal.jsonl", Line: 7, Err: "unexpected end of JSON input"}
	if bad := judgeProblems([]ledger.Problem{ended}, torn); len(bad) != 0 {
		t.Errorf("the earlier torn line, ended: bad = %v, want none", bad)
	}
	middle := ledger.Problem{File: "journal.jsonl", Line: 3, Err: "invalid character 'x'"}
	if bad := judgeProblems([]ledger.Problem{ended, middle}, torn); len(bad) != 1 || bad[0] != middle {
		t.Errorf("a bad line no crash explains: bad = %v, want [%v]", bad, middle)
	}
}

func TestSnapshotLag(t *testing.T) {
	journaled := []json.RawMessage{
		json.RawMessage(`{"name":"a","phase":"running","attempts":1}`),
		json.RawMessage(`{"name":"a","phase":"submitting","attempts":2}`),
		json.RawMessage(`{"name":"a","phase":"running","attempts":2}`),
	}
	tests := []struct {
		name   string
		snap   json.RawMessage
		behind int
		ok     bool
	}{
		{"newest, indented", json.RawMessage("{\n  \"name\": \"a\",\n  \"phase\": \"running\",\n  \"attempts\": 2\n}"), 0, true},
		{"two behind", json.RawMessage(`{"name":"a","phase":"running","attempts":1}`), 2, true},
		{"missing from the snapshot", nil, 3, true},
		{"never journaled", json.RawMessage(`{"name":"a","phase":"unknown","attempts":2}`), 0, false},
	}
	for _, tt := range tests {
		behind, ok := snapshotLag(tt.snap, journaled)
		if behind != tt.behind || ok != tt.ok {
			t.Errorf("%s: snapshotLag = %d, %v; want %d, %v", tt.name, behind, ok, tt.behind, tt.ok)
		}
	}
}

func TestJudgeRun(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := runSpec{Name: "a", JobName: "torture-a"}
	running := []fakeJob{{ID: 7, Name: "torture-a", State: "RUNNING"}, {ID: 6, Name: "torture-a", State: "TIMEOUT"}}
	intent := func(age time.Duration) *run.Intent {
		return &run.Intent{Tag: "nsv:a:3:x", At: now.Add(-age)}
	}
	tests := []struct {
		name             string
		st               run.RunState
		jobs             []fakeJob
		settled, waiting bool
	}{
		{"current job is the live one", run.RunState{Phase: run.PhaseRunning, Job: &run.JobRecord{ID: "7"}}, running, true, false},
		{"current job is an ended one", run.RunState{Phase: run.PhaseRunning, Job: &run.JobRecord{ID: "6"}}, running, false, false},
		{"stopped", run.RunState{Phase: run.PhaseStopped, Job: &run.JobRecord{ID: "7"}}, running, false, false},
		{"young intent, nothing in Slurm", run.RunState{Phase: run.PhaseSubmitting, Intent: intent(time.Minute)}, running[1:], false, true},
		{"intent past its grace", run.RunState{Phase: run.PhaseSubmitting, Intent: intent(5 * time.Minute)}, running[1:], false, false},
		{"young intent, its job unadopted", run.RunState{Phase: run.PhaseSubmitting, Intent: intent(time.Minute)},
			[]fakeJob{{ID: 8, Name: "torture-a", State: "RUNNING", Comment: "nsv:a:3:x"}}, false, false},
	}
	for _, tt := range tests {
		v := judgeRun(r, tt.st, true, tt.jobs, now)
		if v.settled != tt.settled || v.waiting != tt.waiting {
			t.Errorf("%s: judgeRun = settled %v waiting %v (%s), want %v %v", tt.name, v.settled, v.waiting, v.detail, tt.settled, tt.waiting)
		}
	}
	if v := judgeRun(r, run.RunState{}, false, running, now); v.settled || v.waiting {
		t.Errorf("a run without state: judgeRun = %+v, want neither settled nor waiting", v)
	}
}

func TestRaceReports(t *testing.T) {
	log := "{\"event\":\"daemon_started\"}\n==================\nWARNING: DATA RACE\nWrite at 0x1 by goroutine 7:\n  main.f()\n==================\n{\"event\":\"x\"}\n"
	got := raceReports(log)
	if len(got) != 1 || !slices.Contains([]string{"WARNING: DATA RACE\nWrite at 0x1 by goroutine 7:\n  main.f()\n"}, got[0]) {
		t.Errorf("raceReports = %q, want the one report", got)
	}
	if got := raceReports("{\"event\":\"daemon_started\"}\n"); len(got) != 0 {
		t.Errorf("raceReports(clean log) = %q, want none", got)
	}
}
