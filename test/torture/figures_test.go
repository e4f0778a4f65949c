package torture

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// figures are what the torture reports: how often each dangerous window
// was hit, and every invariant violation counted.
type figures struct {
	Kills          int
	KillsByMode    map[string]int
	PointsByMode   map[string]int // "mode point": where each mode's kills landed
	IntentToSbatch int            // kills after the intent was durable, before sbatch created the job
	// IntentJournalOnly counts the IntentToSbatch kills that came before
	// state.json held the intent.
	IntentJournalOnly int
	SbatchToRecord    int // kills after sbatch created the job, before its id was recorded
	SnapshotBehind    int // kills between a journal append and the state.json replace
	SnapshotMaxLag    int // most journaled states a run's snapshot state was behind
	SnapshotAhead     int // checks where state.json held a run state the journal never recorded

	Duplicates        int // two live jobs of one run, seen anywhere
	LostRuns          int
	LostJobs          int // jobs in Slurm the daemon never recorded
	JournalProblems   int // distinct unreadable journal lines
	JournalUnreadable int
	StateUnreadable   int
	UnknownLive       int // live jobs the durable state named neither as job nor as intent
	SelfExits         int // lives that ended other than by SIGKILL
	RaceReports       int

	FaultsArmed map[string]int
	JobsCreated int // jobs in the fake cluster at the end
	SbatchCalls int
	JobsEnded   map[string]int
	Events      map[string]int // journal events at the end
	Runtime     time.Duration
	LifeTime    time.Duration // summed lifetimes of the killed daemons
	CheckTime   time.Duration // summed time of the checks after the kills
}

func newFigures() *figures {
	return &figures{KillsByMode: map[string]int{}, PointsByMode: map[string]int{}, FaultsArmed: map[string]int{}}
}

// String is the report: one line a script can grep, then a table.
func (f *figures) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "torture: kills=%d intent_to_sbatch=%d sbatch_to_record=%d duplicates=%d lost_runs=%d lost_jobs=%d journal_problems=%d submissions=%d runtime=%s\n",
		f.Kills, f.IntentToSbatch, f.SbatchToRecord, f.Duplicates, f.LostRuns, f.LostJobs, f.JournalProblems, f.JobsCreated, f.Runtime.Round(time.Second))
	row := func(k string, v any) { fmt.Fprintf(&b, "  %-44s %v\n", k, v) }
	row("kills (SIGKILL of the daemon)", f.Kills)
	row("kills by mode", sortedCounts(f.KillsByMode))
	for _, k := range sortedKeys(f.PointsByMode) {
		row("  "+k, f.PointsByMode[k])
	}
	row("kills between intent and sbatch", f.IntentToSbatch)
	row("  of which before state.json held the intent", f.IntentJournalOnly)
	row("kills between sbatch and recording the id", f.SbatchToRecord)
	row("kills between journal append and state.json", f.SnapshotBehind)
	row("  most journaled states state.json was behind", f.SnapshotMaxLag)
	row("state.json ahead of the journal", f.SnapshotAhead)
	row("duplicate live jobs (must be 0)", f.Duplicates)
	row("lost runs (must be 0)", f.LostRuns)
	row("jobs never recorded by the daemon (must be 0)", f.LostJobs)
	row("journal problems (torn last lines)", f.JournalProblems)
	row("journal unreadable (must be 0)", f.JournalUnreadable)
	row("state.json unreadable", f.StateUnreadable)
	row("live jobs unknown to the durable state", f.UnknownLive)
	row("lives that did not die of SIGKILL", f.SelfExits)
	row("data race reports (must be 0)", f.RaceReports)
	row("faults armed", sortedCounts(f.FaultsArmed))
	row("sbatch calls", f.SbatchCalls)
	row("jobs created (submissions)", f.JobsCreated)
	row("jobs ended by the test", sortedCounts(f.JobsEnded))
	for _, k := range []string{
		"submit_intent", "job_resubmitted", "run_adopted/adopted_tagged_job", "run_adopted/adopted_live_job",
		"resubmit_failed/sbatch_ambiguous", "resubmit_failed/intent_void", "resubmit_failed/sbatch_failed",
		"slurm_unavailable", "run_stopped",
	} {
		row("journal "+k, f.Events[k])
	}
	row("runtime", f.Runtime.Round(time.Second))
	row("daemon lifetimes / checks (summed)", f.LifeTime.Round(time.Second).String()+" / "+f.CheckTime.Round(time.Second).String())
	return b.String()
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedCounts(m map[string]int) string {
	keys := sortedKeys(m)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
