package torture

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// journalView is what the test reads from the daemon's journal after a
// kill: every record, the last record of each run (which carries the run's
// newest state), and the journal's problems.
type journalView struct {
	records []ledger.Record
	last    map[string]ledger.Record
	states  map[string]run.RunState
	// rawStates holds every journaled state of each run, oldest first, as
	// written (compact JSON).
	rawStates map[string][]json.RawMessage
	problems  []ledger.Problem
}

func readJournal(stateDir string) (journalView, error) {
	v := journalView{last: map[string]ledger.Record{}, states: map[string]run.RunState{},
		rawStates: map[string][]json.RawMessage{}}
	problems, err := ledger.ReadJournal(stateDir, func(_ int, r ledger.Record) error {
		v.records = append(v.records, r)
		if r.Run == "" {
			return nil
		}
		v.last[r.Run] = r
		if len(r.State) > 0 && string(r.State) != "null" {
			v.rawStates[r.Run] = append(v.rawStates[r.Run], r.State)
		}
		return nil
	})
	v.problems = problems
	if err != nil {
		return v, err
	}
	// Only the newest state of each run is decoded: the journal carries
	// the whole state with every decision, and decoding them all would
	// make each check slower than a life of the daemon.
	for runName, all := range v.rawStates {
		var st run.RunState
		if err := json.Unmarshal(all[len(all)-1], &st); err != nil {
			return v, fmt.Errorf("journal: newest state of run %s: %w", runName, err)
		}
		v.states[runName] = st
	}
	return v, nil
}

// knownJobIDs is every job id the journal ever names for a run: submitted,
// adopted, current or in a run's history.
func (v journalView) knownJobIDs() map[string]bool {
	ids := map[string]bool{}
	for _, r := range v.records {
		for _, k := range []string{run.FieldJobID, run.FieldNewJobID} {
			if id, ok := r.Fields[k]; ok && id != nil {
				ids[fmt.Sprint(id)] = true
			}
		}
	}
	for _, st := range v.states {
		if st.Job != nil {
			ids[st.Job.ID] = true
		}
		for _, j := range st.History {
			ids[j.ID] = true
		}
	}
	return ids
}

// countEvents counts records by event name, and by "event/reason".
func (v journalView) countEvents() map[string]int {
	n := map[string]int{}
	for _, r := range v.records {
		n[r.Event]++
		if reason, ok := r.Fields[run.FieldReason].(string); ok {
			n[r.Event+"/"+reason]++
		}
	}
	return n
}

// snapshotRuns loads state.json the way the daemon does: found false when
// it does not exist yet.
func snapshotRuns(stateDir string) (map[string]json.RawMessage, bool, error) {
	var snap struct {
		Runs map[string]json.RawMessage `json:"runs"`
	}
	found, err := ledger.LoadState(stateDir, &snap)
	return snap.Runs, found, err
}

// judgeProblems sorts the journal's problems into the tolerated and the
// bad. A SIGKILL can tear at most the last line; the next Open ends that
// fragment with a newline, so in later reads it is a complete but
// unreadable line at the same place. torn remembers such lines across
// reads ("file:line").
func judgeProblems(problems []ledger.Problem, torn map[string]bool) (bad []ledger.Problem) {
	for _, p := range problems {
		key := fmt.Sprintf("%s:%d", p.File, p.Line)
		switch {
		case strings.HasPrefix(p.Err, "torn last line"):
			torn[key] = true
		case torn[key]:
		default:
			bad = append(bad, p)
		}
	}
	return bad
}

// journalExcerpt returns the last n journal lines of run, each cut to 600
// bytes: the evidence for a report.
func journalExcerpt(stateDir, run string, n int) string {
	f, err := os.Open(filepath.Join(stateDir, ledger.JournalFile))
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	needle := fmt.Sprintf("%q:%q", "run", run)
	for sc.Scan() {
		if line := sc.Text(); run == "" || strings.Contains(line, needle) {
			if len(line) > 600 {
				line = line[:600] + "…"
			}
			lines = append(lines, line)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
