package supervisor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

func (r *rig) snapWrites() int {
	r.sup.mu.Lock()
	defer r.sup.mu.Unlock()
	return r.sup.snapWrites
}

// snapshotRuns is state.json's run states as a restart would read them.
func (r *rig) snapshotRuns() map[string]run.RunState {
	r.t.Helper()
	var snap snapshot
	if _, err := ledger.LoadState(r.cfg.StateDir, &snap); err != nil {
		r.t.Fatal(err)
	}
	return snap.Runs
}

// TestPassWritesSnapshotOnce: however many runs a pass changes, state.json
// is written once, at the end of the pass, and holds every change.
func TestPassWritesSnapshotOnce(t *testing.T) {
	var names []string
	for i := range 5 {
		names = append(names, fmt.Sprintf("r%d", i))
	}
	r := newRig(t, names...)
	ids := map[string]string{}
	for _, name := range names {
		ids[name] = r.slurm.add(name+"-ckpt", "RUNNING", "")
	}
	for pass := 1; pass <= 3; pass++ {
		before := r.snapWrites()
		r.now = r.now.Add(2 * time.Minute)
		r.tick()
		want := 1 // adopting every job, then recording every job's state
		if pass == 3 {
			want = 0 // nothing changed
		}
		if got := r.snapWrites() - before; got != want {
			t.Errorf("pass %d over %d runs wrote state.json %d times, want %d", pass, len(names), got, want)
		}
	}
	snap := r.snapshotRuns()
	for _, name := range names {
		if st := snap[name]; st.Job == nil || st.Job.ID != ids[name] || !reflect.DeepEqual(st, r.state(name)) {
			t.Errorf("state.json run %s: %+v; want the state in force, job %s", name, st, ids[name])
		}
	}
}

// sbatchSpy runs onSbatch just before each sbatch: it sees the ledger's
// files as a crash at that instant would leave them.
type sbatchSpy struct {
	*memSlurm
	onSbatch func()
}

func (s *sbatchSpy) Submit(ctx context.Context, req slurm.SubmitRequest) (slurm.JobRef, error) {
	s.onSbatch()
	return s.memSlurm.Submit(ctx, req)
}

// ledgerFiles copies the journal and state.json.
func (r *rig) ledgerFiles() map[string][]byte {
	r.t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{ledger.JournalFile, ledger.StateFile} {
		data, err := os.ReadFile(filepath.Join(r.cfg.StateDir, name))
		if err != nil {
			r.t.Fatal(err)
		}
		files[name] = data
	}
	return files
}

// crashWith puts the ledger's files back as they were and restarts, as
// after a crash at the instant they were copied.
func (r *rig) crashWith(files map[string][]byte) {
	r.t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(r.cfg.StateDir, name), data, 0o600); err != nil {
			r.t.Fatal(err)
		}
	}
	r.restart()
}

// submitRig is a run whose adopted job has just timed out after saving
// step 1000: the next pass resubmits it.
func submitRig(t *testing.T, advance time.Duration) (*rig, map[string][]byte) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 1000, 0.9)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.now = r.now.Add(advance)
	var atSbatch map[string][]byte
	r.sup.Slurm = &sbatchSpy{memSlurm: r.slurm, onSbatch: func() { atSbatch = r.ledgerFiles() }}
	r.tick()
	if atSbatch == nil || r.slurm.count("sbatch") != 1 {
		t.Fatalf("sbatch called %d times; want one resubmission", r.slurm.count("sbatch"))
	}
	return r, atSbatch
}

// TestCrashAtSbatchRestoresIntentFromJournal: within a pass the intent
// reaches state.json only at the end of the pass. A crash while sbatch
// runs leaves it in the journal alone; the restart must take it from
// there, find the job by its tag, and never submit a second one.
func TestCrashAtSbatchRestoresIntentFromJournal(t *testing.T) {
	r, atSbatch := submitRig(t, time.Minute)
	submitted := r.state("d20").Job.ID
	r.crashWith(atSbatch)
	if snap := r.snapshotRuns()["d20"]; snap.Intent != nil {
		t.Fatalf("state.json held the intent when sbatch ran: this test needs it in the journal alone")
	}
	st := r.state("d20")
	if st.Intent == nil || st.Phase != run.PhaseSubmitting {
		t.Fatalf("restored %s with intent %+v; want the journaled intent", st.Phase, st.Intent)
	}
	r.now = r.now.Add(time.Minute)
	r.tick()
	if got := r.slurm.count("sbatch"); got != 1 {
		t.Errorf("sbatch called %d times in all; want 1, the intent's job found by its tag", got)
	}
	if st := r.state("d20"); st.Job == nil || st.Job.ID != submitted || st.Intent != nil {
		t.Errorf("after the restart: job %+v, intent %+v; want job %s and no intent", st.Job, st.Intent, submitted)
	}
	if live := r.slurm.live("d20-ckpt"); len(live) != 1 {
		t.Errorf("live jobs %v; want exactly one", live)
	}
}

// TestCommitWithStillClockRestoresIntentFromJournal: when the clock has
// not moved since state.json took the run's state, the journaled intent
// has the same Updated as state.json's; its sequence number still makes
// it win on restart.
func TestCommitWithStillClockRestoresIntentFromJournal(t *testing.T) {
	r, atSbatch := submitRig(t, 0)
	r.crashWith(atSbatch)
	if snap := r.snapshotRuns()["d20"]; snap.Intent != nil {
		t.Fatalf("state.json held the intent when sbatch ran: this test needs it in the journal alone")
	}
	if st := r.state("d20"); st.Intent == nil {
		t.Errorf("restored %s without the intent; want it from the journal", st.Phase)
	}
}

// TestCrashBeforeEndOfPassRestoresJournal: a crash after a pass journaled
// its decisions but before it wrote state.json restores every run's state
// from the journal, and the first pass after the restart writes it to
// state.json even if it changes nothing.
func TestCrashBeforeEndOfPassRestoresJournal(t *testing.T) {
	r := newRig(t, "a", "b", "c")
	for _, name := range []string{"a", "b", "c"} {
		r.slurm.add(name+"-ckpt", "RUNNING", "")
	}
	r.tick()
	beforePass := r.ledgerFiles()
	r.now = r.now.Add(2 * time.Minute)
	r.tick() // records every job's state
	want := r.sup.States()
	if reflect.DeepEqual(want, r.snapshotRunsFrom(beforePass)) {
		t.Fatal("the second pass changed nothing: this test needs it to")
	}
	journal := r.ledgerFiles()[ledger.JournalFile]
	r.crashWith(map[string][]byte{ledger.StateFile: beforePass[ledger.StateFile], ledger.JournalFile: journal})
	if got := r.sup.States(); !reflect.DeepEqual(got, want) {
		t.Errorf("restored states differ from the journaled ones:\n got %+v\nwant %+v", got, want)
	}
	r.now = r.now.Add(2 * time.Minute)
	r.tick()
	if got := r.snapshotRuns(); !reflect.DeepEqual(got, want) {
		t.Errorf("state.json after the first pass of the restart:\n got %+v\nwant %+v", got, want)
	}
}

func (r *rig) snapshotRunsFrom(files map[string][]byte) map[string]run.RunState {
	r.t.Helper()
	dir := r.t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ledger.StateFile), files[ledger.StateFile], 0o600); err != nil {
		r.t.Fatal(err)
	}
	var snap snapshot
	if _, err := ledger.LoadState(dir, &snap); err != nil {
		r.t.Fatal(err)
	}
	return snap.Runs
}
