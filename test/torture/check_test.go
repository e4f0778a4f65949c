package torture

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// killPoint is where in a submission a kill landed.
type killPoint string

const (
	pointElsewhere    killPoint = ""
	pointIntentSbatch killPoint = "intent→sbatch" // intent durable, sbatch never created the job
	pointSbatchRecord killPoint = "sbatch→record" // the job exists, its id is not recorded
)

// classifyKill says where a kill landed for one run, from the run's last
// journal record, whether its intent was already outstanding at an earlier
// kill, and whether the fake holds a job carrying the intent's tag (after
// every Slurm call the killed daemon left behind has finished). Apply
// journals the intent, runs sbatch, then journals the job id, so a last
// record that is the intent itself means the daemon died in between.
func classifyKill(last string, st run.RunState, seenBefore, tagged bool) killPoint {
	switch {
	case st.Intent == nil || last != run.EventSubmitIntent || seenBefore:
		return pointElsewhere
	case tagged:
		return pointSbatchRecord
	default:
		return pointIntentSbatch
	}
}

// cycleInfo names one kill for reports.
type cycleInfo struct {
	n        int
	plan     cyclePlan
	lifetime string
	trigger  string
}

func (c cycleInfo) String() string {
	s := fmt.Sprintf("kill #%d (mode %s, lived %s", c.n, c.plan.mode, c.lifetime)
	if c.trigger != "" {
		s += ", on " + c.trigger
	}
	if len(c.plan.faults) > 0 {
		var f []string
		for _, args := range c.plan.faults {
			f = append(f, strings.Join(args, " "))
		}
		s += ", faults: " + strings.Join(f, "; ")
	}
	return s + ")"
}

// minFreeRuns is how many runs aimed kills leave without an unresolved
// intent, so that the daemon always has runs to resubmit.
const minFreeRuns = 3

// tracker checks the invariants after every kill and keeps the figures.
type tracker struct {
	h    *harness
	seed uint64
	fig  *figures
	// seenIntents holds intent tags already classified, so that an
	// intent that outlives several lives is counted once.
	seenIntents map[string]bool
	torn        map[string]bool
	problems    map[string]bool // distinct problem lines seen
	// states are the runs' durable states at the last check.
	states map[string]run.RunState
	// journaled counts each run's journaled states at the last check.
	journaled map[string]int
}

// aimTarget returns a run that a kill before sbatch may aim at: one
// without an unresolved intent at the last check, while at least
// minFreeRuns others are free too; "" when there is none. pick chooses
// among the candidates.
func (tr *tracker) aimTarget(pick int) string {
	var free []string
	for _, r := range tr.h.runs {
		if st, ok := tr.states[r.Name]; ok && st.Intent == nil {
			free = append(free, r.Name)
		}
	}
	if len(free) <= minFreeRuns {
		return ""
	}
	return free[pick%len(free)]
}

func newTracker(h *harness, seed uint64, fig *figures) *tracker {
	return &tracker{h: h, seed: seed, fig: fig, seenIntents: map[string]bool{},
		torn: map[string]bool{}, problems: map[string]bool{}, journaled: map[string]int{}}
}

// afterKill checks the cluster, the journal and the snapshot while the
// daemon is dead and every Slurm call it made has finished.
// It returns where the kill landed for each run caught in a submission.
func (tr *tracker) afterKill(t *testing.T, c cycleInfo) []killPoint {
	t.Helper()
	h := tr.h
	where := fmt.Sprintf("seed %d, %s", tr.seed, c)

	counts, err := h.cluster.liveCounts()
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	jobs, err := h.cluster.jobs()
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, r := range h.runs {
		if got := counts[r.JobName]; got > 1 {
			tr.fig.Duplicates++
			t.Errorf("%s: job name %s has %d live jobs, want at most 1: %s\njournal:\n%s",
				where, r.JobName, got, liveJobsOf(jobs, r.JobName), journalExcerpt(h.stateDir, r.Name, 12))
		}
	}

	jv, err := readJournal(h.stateDir)
	if err != nil {
		tr.fig.JournalUnreadable++
		t.Errorf("%s: journal unreadable: %v", where, err)
	}
	tr.noteProblems(t, where, jv)
	snap := tr.checkSnapshot(t, where, c.n, jv)
	tr.states = jv.states

	var points []killPoint
	for _, r := range h.runs {
		st, ok := jv.states[r.Name]
		if !ok {
			continue // not decided on yet
		}
		p := tr.checkRun(t, where, r, st, jv.last[r.Name].Event, jobs)
		if p == pointIntentSbatch && snapshotIntent(snap[r.Name]) != st.Intent.Tag {
			// Killed before state.json took the intent (it is written once
			// per pass): the next life must take the intent from the
			// fsynced journal record, newer than the snapshot's state.
			tr.fig.IntentJournalOnly++
		}
		if p != pointElsewhere {
			points = append(points, p)
		}
	}
	return points
}

func (tr *tracker) noteProblems(t *testing.T, where string, jv journalView) {
	t.Helper()
	for _, p := range jv.problems {
		if key := p.String(); !tr.problems[key] {
			tr.problems[key] = true
			tr.fig.JournalProblems++
			t.Logf("%s: journal problem %s", where, key)
		}
	}
	for _, p := range judgeProblems(jv.problems, tr.torn) {
		t.Errorf("%s: journal line that no crash can explain: %s", where, p)
	}
}

// checkRun checks one run's durable state against the fake cluster.
func (tr *tracker) checkRun(t *testing.T, where string, r runSpec, st run.RunState, last string, jobs []fakeJob) killPoint {
	t.Helper()
	if st.Phase.Terminal() {
		tr.fig.LostRuns++
		t.Errorf("%s: run %s is %s (%s), want it still supervised\njournal:\n%s",
			where, r.Name, st.Phase, st.Reason, journalExcerpt(tr.h.stateDir, r.Name, 8))
	}
	byID := map[string]fakeJob{}
	tagged := false
	for _, j := range jobs {
		byID[strconv.Itoa(j.ID)] = j
		if st.Intent != nil && j.Comment == st.Intent.Tag {
			tagged = true
		}
	}
	if st.Job != nil {
		if _, ok := byID[st.Job.ID]; !ok {
			t.Errorf("%s: run %s records job %s, which Slurm never had", where, r.Name, st.Job.ID)
		}
	}
	point := pointElsewhere
	if st.Intent != nil {
		point = classifyKill(last, st, tr.seenIntents[st.Intent.Tag], tagged)
		switch point {
		case pointIntentSbatch:
			tr.fig.IntentToSbatch++
		case pointSbatchRecord:
			tr.fig.SbatchToRecord++
		}
		tr.seenIntents[st.Intent.Tag] = true
	}
	// A live job of the run that the durable state names neither as its
	// job nor as its intent's: the next life must find it by name.
	for _, j := range jobs {
		if j.Name != r.JobName || !j.live() {
			continue
		}
		known := (st.Job != nil && strconv.Itoa(j.ID) == st.Job.ID) || (st.Intent != nil && j.Comment == st.Intent.Tag)
		if !known {
			tr.fig.UnknownLive++
			t.Logf("%s: run %s: live %s is neither its job nor its intent", where, r.Name, j)
		}
	}
	return point
}

func liveJobsOf(jobs []fakeJob, name string) string {
	var s []string
	for _, j := range jobs {
		if j.Name == name && j.live() {
			s = append(s, j.String())
		}
	}
	return strings.Join(s, "; ")
}
