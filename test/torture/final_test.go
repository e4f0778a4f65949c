package torture

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// intentGrace mirrors pkg/run's intentGrace (decide.go): how long an
// intent whose job Slurm does not show stays unresolved before the daemon
// calls it void and submits again.
const intentGrace = 2 * time.Minute

// runVerdict is where one run stands against the fake cluster.
type runVerdict struct {
	settled   bool      // its current job is its one live job, no intent
	waiting   bool      // an intent within its grace, and nothing in Slurm for it yet
	graceEnds time.Time // when waiting: when the daemon will call the intent void
	detail    string    // evidence
}

// judgeRun compares a run's durable state with the fake's jobs.
func judgeRun(r runSpec, st run.RunState, ok bool, jobs []fakeJob, now time.Time) runVerdict {
	if !ok {
		return runVerdict{detail: "no state"}
	}
	var live []fakeJob
	tagged := false
	for _, j := range jobs {
		if j.Name == r.JobName && j.live() {
			live = append(live, j)
		}
		if st.Intent != nil && j.Comment == st.Intent.Tag {
			tagged = true
		}
	}
	detail := fmt.Sprintf("phase %s (%s), job %s, intent %s, live in Slurm: [%s]",
		st.Phase, st.Reason, jobID(st.Job), intentTag(st.Intent), liveJobsOf(jobs, r.JobName))
	switch {
	case st.Phase.Terminal():
		return runVerdict{detail: detail}
	case st.Intent == nil && st.Job != nil && len(live) == 1 && strconv.Itoa(live[0].ID) == st.Job.ID && st.Phase == run.PhaseRunning:
		return runVerdict{settled: true, detail: detail}
	case st.Intent != nil && len(live) == 0 && !tagged && now.Sub(st.Intent.At) < intentGrace+10*time.Second:
		return runVerdict{waiting: true, graceEnds: st.Intent.At.Add(intentGrace), detail: detail}
	}
	return runVerdict{detail: detail}
}

func jobID(j *run.JobRecord) string {
	if j == nil {
		return "none"
	}
	return j.ID
}

func intentTag(i *run.Intent) string {
	if i == nil {
		return "none"
	}
	return fmt.Sprintf("%s at %s", i.Tag, i.At.Format("15:04:05"))
}

// settleMinimum is how long the final life runs at least: enough passes
// to adopt every tagged job an earlier life left behind.
const settleMinimum = 5 * time.Second

// settle stops ending jobs, starts the daemon for good and waits until
// every run's current job is its one live job. A run waiting on an intent
// is waited for while the intent's grace ends within budget; past that it
// is left waiting (judgeRun tolerates it). It stops the daemon with
// SIGTERM and returns the verdicts.
func settle(t *testing.T, h *harness, tr *tracker, drv *driver, budget time.Duration) map[string]runVerdict {
	t.Helper()
	drv.setEnding(false)
	if _, err := h.cluster.run("clear-faults"); err != nil {
		t.Fatal(err)
	}
	d, err := h.startDaemon(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(budget)
	for {
		time.Sleep(500 * time.Millisecond)
		if time.Since(start) < settleMinimum {
			continue
		}
		if h.settled(t, deadline) || time.Now().After(deadline) {
			break
		}
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	if killed, err := d.wait(); killed || err != nil {
		t.Errorf("seed %d: daemon stopped with SIGTERM: killed=%v err=%v\n%s", tr.seed, killed, err, tail(d.log(), 20))
	}
	if !strings.Contains(d.log(), `"event":"daemon_stopped"`) {
		t.Errorf("seed %d: daemon did not log daemon_stopped on SIGTERM:\n%s", tr.seed, tail(d.log(), 20))
	}
	tr.noteLife(t, d)
	t.Logf("final life: %s", time.Since(start).Round(time.Second))
	return h.verdicts(t)
}

// settled reports whether waiting longer is pointless: every run settled,
// or waiting on an intent whose grace ends after deadline.
func (h *harness) settled(t *testing.T, deadline time.Time) bool {
	t.Helper()
	for _, v := range h.verdicts(t) {
		if !v.settled && !(v.waiting && v.graceEnds.After(deadline)) {
			return false
		}
	}
	return true
}

func (h *harness) verdicts(t *testing.T) map[string]runVerdict {
	t.Helper()
	jv, err := readJournal(h.stateDir)
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	jobs, err := h.cluster.jobs()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]runVerdict{}
	for _, r := range h.runs {
		st, ok := jv.states[r.Name]
		out[r.Name] = judgeRun(r, st, ok, jobs, time.Now())
	}
	return out
}

// statusRow is the part of `nanosupervisord status --json` checked.
type statusRow struct {
	Run   string    `json:"run"`
	Phase run.Phase `json:"phase"`
	JobID string    `json:"job_id"`
}

func (h *harness) status(t *testing.T) []statusRow {
	t.Helper()
	cmd := exec.Command(h.daemonBin, "status", "--json", "--config", h.config)
	cmd.Env = h.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nanosupervisord status --json: %v\n%s", err, out)
	}
	var rows []statusRow
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return rows
}

// finalChecks: every run is known and where it should be, every job
// Slurm ever had was recorded, no two jobs of a run ever overlapped.
func finalChecks(t *testing.T, h *harness, tr *tracker, verdicts map[string]runVerdict) {
	t.Helper()
	jobs, err := h.cluster.jobs()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range h.runs {
		v := verdicts[r.Name]
		switch {
		case v.settled:
		case v.waiting:
			t.Logf("run %s: intent still within its %s grace at the end (tolerated): %s", r.Name, intentGrace, v.detail)
		default:
			tr.fig.LostRuns++
			t.Errorf("seed %d: run %s did not settle: %s\njournal:\n%s", tr.seed, r.Name, v.detail, journalExcerpt(h.stateDir, r.Name, 12))
		}
	}
	rows := map[string]statusRow{}
	for _, row := range h.status(t) {
		rows[row.Run] = row
	}
	for _, r := range h.runs {
		row, ok := rows[r.Name]
		switch {
		case !ok:
			t.Errorf("status --json does not list run %s", r.Name)
		case row.Phase.Terminal():
			t.Errorf("status --json: run %s is %s, want it still supervised", r.Name, row.Phase)
		case verdicts[r.Name].settled && row.JobID != liveID(jobs, r.JobName):
			t.Errorf("status --json: run %s job %q, want its live job %q", r.Name, row.JobID, liveID(jobs, r.JobName))
		}
	}

	jv, err := readJournal(h.stateDir)
	if err != nil {
		t.Errorf("journal unreadable at the end: %v", err)
	}
	tr.noteProblems(t, "end", jv)
	last, _, err := ledger.LastStates(h.stateDir)
	if err != nil {
		t.Errorf("ledger.LastStates: %v", err)
	}
	for _, r := range h.runs {
		var st run.RunState
		if err := json.Unmarshal(last[r.Name], &st); err != nil || st.Name != r.Name {
			t.Errorf("ledger.LastStates cannot rebuild run %s: %v (%.80s)", r.Name, err, last[r.Name])
		}
	}
	known := jv.knownJobIDs()
	names := map[string]bool{}
	for _, r := range h.runs {
		names[r.JobName] = true
	}
	for _, j := range jobs {
		if names[j.Name] && !known[strconv.Itoa(j.ID)] {
			tr.fig.LostJobs++
			t.Errorf("seed %d: %s was never recorded by the daemon", tr.seed, j)
		}
	}
	for _, pair := range overlappingJobs(jobs) {
		tr.fig.Duplicates++
		t.Errorf("seed %d: two jobs of one run overlapped: %s and %s", tr.seed, pair[0], pair[1])
	}
	tr.fig.JobsCreated = len(jobs)
	tr.fig.SbatchCalls = countLines(filepath.Join(h.clusterDir, "sbatch.log"))
	tr.fig.Events = jv.countEvents()
}

func liveID(jobs []fakeJob, name string) string {
	for _, j := range jobs {
		if j.Name == name && j.live() {
			return strconv.Itoa(j.ID)
		}
	}
	return ""
}

func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(data), "\n")
}
