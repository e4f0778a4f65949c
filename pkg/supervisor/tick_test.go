package supervisor

import (
	"context"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// rig is a supervisor over real directories and an in-memory Slurm.
type rig struct {
	t      *testing.T
	now    time.Time
	cfg    *config.Config
	slurm  *memSlurm
	logs   *observer.ObservedLogs
	sup    *Supervisor
	ledger *ledger.Ledger
}

func newRig(t *testing.T, runs ...string) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{t: t, now: t0}
	r.cfg = &config.Config{PollInterval: 2 * time.Minute, StateDir: filepath.Join(dir, "state"),
		Slurm: config.Slurm{CommandTimeout: config.DefaultCommandTimeout}, Runs: map[string]*config.Run{}}
	for _, name := range runs {
		work := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Join(work, "ckpt"), 0o755); err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(work, "train.sh")
		if err := os.WriteFile(script, []byte("#!/bin/bash\n#SBATCH -J "+name+"-ckpt\nexec train \"$@\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		r.cfg.Runs[name] = &config.Run{
			Name: name, Script: script, Workdir: work, CheckpointDir: filepath.Join(work, "ckpt"),
			Ranks: 1, ResumeArgs: []string{"{step}"}, SbatchArgs: []string{"--time=1-00:00:00"},
			Env: map[string]string{"PYTHONUNBUFFERED": "1"}, Start: run.StartAdopt,
			Targets: trainer.Targets{ValBPB: fp(0.75), CoreMetric: fp(0.25)},
			Policy:  run.Policy{MaxAttempts: 50, MaxFailuresWithoutProgress: 2, Backoff: time.Minute, MaxBackoff: 30 * time.Minute},
		}
	}
	r.slurm = newMemSlurm(func() time.Time { return r.now })
	r.restart()
	return r
}

// restart builds a new supervisor over the same state directory, as after
// a crash of the daemon.
func (r *rig) restart() {
	r.t.Helper()
	if r.ledger != nil {
		r.ledger.Close()
	}
	led, err := ledger.Open(r.cfg.StateDir)
	if err != nil {
		r.t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	sup, err := New(Options{Config: r.cfg, Slurm: r.slurm, Logger: zap.New(core), Ledger: led,
		Now: func() time.Time { return r.now }, Rand: rand.New(rand.NewPCG(1, 2)), UID: "1000"})
	if err != nil {
		r.t.Fatal(err)
	}
	r.sup, r.logs, r.ledger = sup, logs, led
	r.t.Cleanup(func() { led.Close() })
}

func (r *rig) tick() PassResult {
	r.t.Helper()
	res := r.sup.Tick(context.Background())
	for name, err := range res.Errors {
		r.t.Logf("run %s: %v", name, err)
	}
	return res
}

func (r *rig) checkpoint(run string, step int, valBPB float64) {
	r.t.Helper()
	if err := ckpttest.WriteStep(r.cfg.Runs[run].CheckpointDir, step, 1, valBPB); err != nil {
		r.t.Fatal(err)
	}
	// Age the files past the settle time.
	old := r.now.Add(-time.Minute)
	entries, _ := os.ReadDir(r.cfg.Runs[run].CheckpointDir)
	for _, e := range entries {
		os.Chtimes(filepath.Join(r.cfg.Runs[run].CheckpointDir, e.Name()), old, old)
	}
}

func (r *rig) events(name string) []observer.LoggedEntry {
	return r.logs.FilterMessage(name).AllUntimed()
}

func (r *rig) state(run string) run.RunState { return r.sup.States()[run] }

func TestTickAdoptTimeoutResubmit(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	if st := r.state("d20"); st.Job == nil || st.Job.ID != id || st.Phase != run.PhaseRunning {
		t.Fatalf("after first pass: %+v; want job %s adopted", st, id)
	}
	if len(r.events(run.EventRunAdopted)) != 1 {
		t.Errorf("run_adopted logged %d times; want 1", len(r.events(run.EventRunAdopted)))
	}

	r.checkpoint("d20", 1000, 0.9)
	r.now = r.now.Add(time.Hour)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.tick()
	if got := len(r.slurm.submit); got != 1 {
		t.Fatalf("sbatch called %d times; want 1", got)
	}
	req := r.slurm.submit[0]
	rc := r.cfg.Runs["d20"]
	want := slurm.SubmitRequest{Script: rc.Script, ScriptArgs: []string{"1000"}, Dir: rc.Workdir,
		Flags: []string{"--no-requeue", "--time=1-00:00:00", "--comment=" + r.state("d20").Job.Tag}, Env: []string{"PYTHONUNBUFFERED=1"}}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("sbatch request\n got %+v\nwant %+v", req, want)
	}
	ev := r.events(run.EventJobResubmitted)
	if len(ev) != 1 {
		t.Fatalf("job_resubmitted logged %d times; want 1", len(ev))
	}
	f := ev[0].ContextMap()
	if f[run.FieldJobID] != id || f[run.FieldNewJobID] != r.state("d20").Job.ID || f[run.FieldResumeStep] != int64(1000) || f[run.FieldAttempt] != int64(1) {
		t.Errorf("job_resubmitted fields %v", f)
	}

	// The journal holds the intent before the submission.
	var order []string
	if _, err := ledger.ReadJournal(r.cfg.StateDir, func(_ int, rec ledger.Record) error {
		order = append(order, rec.Event)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if i, j := index(order, run.EventSubmitIntent), index(order, run.EventJobResubmitted); i < 0 || j < i {
		t.Errorf("journal order %v; want %s before %s", order, run.EventSubmitIntent, run.EventJobResubmitted)
	}

	// A restarted daemon remembers the new job and submits nothing.
	newID := r.state("d20").Job.ID
	r.restart()
	r.tick()
	if st := r.state("d20"); st.Job == nil || st.Job.ID != newID || len(r.slurm.submit) != 1 {
		t.Errorf("after restart: job %+v, %d submissions; want job %s and still 1", st.Job, len(r.slurm.submit), newID)
	}
}

func index(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestTickSbatchAmbiguousNeverTwice(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 1000, 0.9)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.slurm.sbatchErr, r.slurm.createAnyway = errSocketTimeout, true
	r.now = r.now.Add(time.Minute)
	r.tick()
	if st := r.state("d20"); st.Intent == nil || st.Phase != run.PhaseSubmitting {
		t.Fatalf("after ambiguous sbatch: phase %s intent %+v; want the intent kept", st.Phase, st.Intent)
	}
	// The daemon dies here and comes back: the tagged job is adopted.
	r.restart()
	for i := 0; i < 5; i++ {
		r.now = r.now.Add(time.Minute)
		r.tick()
	}
	if n := r.slurm.count("sbatch"); n != 1 {
		t.Errorf("sbatch called %d times; want 1", n)
	}
	if live := r.slurm.live("d20-ckpt"); len(live) != 1 || r.state("d20").Job.ID != live[0] {
		t.Errorf("live jobs %v, current job %+v; want exactly the adopted one", live, r.state("d20").Job)
	}
}

func TestTickSbatchRejectedBacksOff(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 1000, 0.9)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.slurm.sbatchErr = errInvalidPartition
	r.tick()
	st := r.state("d20")
	if st.Phase != run.PhaseBackoff || st.Reason != run.ReasonSbatchFailed || st.Attempts != 0 || st.Intent != nil {
		t.Fatalf("phase %s reason %s attempts %d intent %+v; want backoff, attempt given back", st.Phase, st.Reason, st.Attempts, st.Intent)
	}
	if ev := r.events(run.EventResubmitFailed); len(ev) != 1 || ev[0].ContextMap()[run.FieldError] == nil {
		t.Errorf("resubmit_failed events %v; want one with the error", ev)
	}
	r.tick() // inside the backoff: nothing
	if n := r.slurm.count("sbatch"); n != 1 {
		t.Errorf("sbatch called %d times inside the backoff; want 1", n)
	}
	r.now = st.BackoffUntil.Add(time.Second)
	r.tick()
	if n, live := r.slurm.count("sbatch"), r.slurm.live("d20-ckpt"); n != 2 || len(live) != 1 {
		t.Errorf("after the backoff: %d sbatch calls, live %v; want 2 and one live job", n, live)
	}
}

func TestTickOneRunsPanicStaysThere(t *testing.T) {
	r := newRig(t, "a", "b")
	ida := r.slurm.add("a-ckpt", "RUNNING", "")
	idb := r.slurm.add("b-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("a", 100, 0.9)
	r.checkpoint("b", 100, 0.9)
	r.slurm.set(ida, "TIMEOUT", "0:0")
	r.slurm.set(idb, "TIMEOUT", "0:0")
	r.slurm.panicOn = r.cfg.Runs["a"].Script
	res := r.tick()
	if res.Errors["a"] == nil || res.Errors["b"] != nil {
		t.Fatalf("errors %v; want run a only", res.Errors)
	}
	if live := r.slurm.live("b-ckpt"); len(live) != 1 {
		t.Errorf("run b live jobs %v; want its resubmission despite run a's panic", live)
	}
	if len(r.events(run.EventRunError)) != 1 {
		t.Errorf("run_error logged %d times; want 1", len(r.events(run.EventRunError)))
	}
}

func TestTickSlurmOutageLoggedOnce(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.slurm.sacctErr = &slurm.CommandError{Cmd: "sacct", ExitCode: 1, Stderr: "sacct: error: Problem talking to the database: Connection refused"}
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.checkpoint("d20", 1000, 0.9)
	for i := 0; i < 3; i++ {
		r.now = r.now.Add(time.Minute)
		r.tick()
	}
	if st := r.state("d20"); st.Phase != run.PhaseUnknown || len(r.slurm.submit) != 0 {
		t.Fatalf("during the outage: phase %s, %d submissions; want unknown and none", st.Phase, len(r.slurm.submit))
	}
	r.slurm.sacctErr = nil
	r.tick()
	ev := r.events(run.EventSlurmUnavailable)
	if len(ev) != 2 || ev[0].ContextMap()[run.FieldState] != "down" || ev[1].ContextMap()[run.FieldState] != "up" {
		t.Errorf("slurm_unavailable events %v; want one down, one up", ev)
	}
	if len(r.slurm.submit) != 1 {
		t.Errorf("after the outage: %d submissions; want 1", len(r.slurm.submit))
	}
}

// TestTickSkippedRowHidesNothing: a row of some other job that pkg/slurm
// could not read is logged once; the run's own rows are used as usual and
// Slurm is not taken for unavailable.
func TestTickSkippedRowHidesNothing(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.slurm.skipped = &slurm.SkippedRowsError{Cmd: "squeue", Rows: []*slurm.ParseError{
		{Cmd: "squeue", Line: 1, JobID: "7", Text: "7\x1fa\x1fb", Msg: "has 11 fields, want 10"}}}
	r.tick()
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.checkpoint("d20", 1000, 0.9)
	r.now = r.now.Add(time.Minute)
	r.tick()
	if len(r.slurm.submit) != 1 {
		t.Errorf("%d submissions after the TIMEOUT; want 1", len(r.slurm.submit))
	}
	if ev := r.events(run.EventSlurmUnavailable); len(ev) != 0 {
		t.Errorf("slurm_unavailable logged: %v; want nothing", ev)
	}
	ev := r.events(run.EventSlurmRowSkipped)
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldJobID] != "7" {
		t.Errorf("slurm_row_skipped events %v; want one, naming job 7", ev)
	}
}

func TestTickQuietPassIsOneSacct(t *testing.T) {
	r := newRig(t, "a", "b", "c")
	for _, n := range []string{"a", "b", "c"} {
		r.slurm.add(n+"-ckpt", "RUNNING", "")
	}
	r.tick()
	before := map[string]int{"sacct": r.slurm.count("sacct"), "squeue": r.slurm.count("squeue"), "sacct_window": r.slurm.count("sacct_window")}
	r.now = r.now.Add(2 * time.Minute)
	r.tick()
	if d := r.slurm.count("sacct") - before["sacct"]; d != 1 {
		t.Errorf("sacct calls in a quiet pass = %d; want 1 for all runs", d)
	}
	if d := r.slurm.count("squeue") - before["squeue"] + r.slurm.count("sacct_window") - before["sacct_window"]; d != 0 {
		t.Errorf("squeue/window calls in a quiet pass = %d; want 0", d)
	}
}

func TestTickCheckpointWrittenJustBeforeTheCrashCounts(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 100, 0.9)
	r.tick()
	// Step 200 lands two seconds before the crash: fresh files.
	if err := ckpttest.WriteStep(r.cfg.Runs["d20"].CheckpointDir, 200, 1, 0.8); err != nil {
		t.Fatal(err)
	}
	fresh := r.now.Add(-2 * time.Second)
	for _, n := range []string{"model_000200.pt", "meta_000200.json", "optim_000200_rank0.pt"} {
		os.Chtimes(filepath.Join(r.cfg.Runs["d20"].CheckpointDir, n), fresh, fresh)
	}
	r.slurm.set(id, "FAILED", "1:0")
	r.tick()
	st := r.state("d20")
	if st.NewestStep != 200 || st.FailuresWithoutProgress != 0 {
		t.Errorf("newest %d, failures without progress %d; want 200 and 0: the job is gone, so its last save is final", st.NewestStep, st.FailuresWithoutProgress)
	}
}

func TestTickDiskQuotaPrunesBeforeResubmit(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Prune = &config.Prune{KeepLast: 1}
	r.restart()
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	for _, step := range []int{100, 200, 300} {
		r.checkpoint("d20", step, 0.9-float64(step)/10000)
	}
	log := filepath.Join(r.cfg.Runs["d20"].Workdir, "slurm-"+id+".out")
	if err := os.WriteFile(log, []byte("step 00300/01000 (30.00%) | loss: 2.9\nOSError: [Errno 122] Disk quota exceeded\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.slurm.set(id, "FAILED", "1:0")
	r.now = r.now.Add(time.Minute)
	r.tick()
	r.now = r.now.Add(10 * time.Minute)
	r.tick()
	if n := len(r.events(run.EventCheckpointPruned)); n == 0 {
		t.Fatalf("no checkpoint_pruned before the resubmission after a disk-quota failure")
	}
	var order []string
	for _, e := range r.logs.AllUntimed() {
		order = append(order, e.Message)
	}
	if i, j := index(order, run.EventCheckpointPruned), index(order, run.EventJobResubmitted); i < 0 || j < i {
		t.Errorf("event order %v; want checkpoint_pruned before job_resubmitted", order)
	}
}

func TestRestoreTakesTheJournalWhenNewerThanTheSnapshot(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	snapshot, err := os.ReadFile(filepath.Join(r.cfg.StateDir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.checkpoint("d20", 1000, 0.9)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.now = r.now.Add(time.Minute)
	r.tick() // journals the intent and the new job, then saves the snapshot
	newJob := r.state("d20").Job.ID
	// A crash between the journal append and the snapshot replace leaves
	// the older snapshot.
	if err := os.WriteFile(filepath.Join(r.cfg.StateDir, "state.json"), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	r.restart()
	if got := r.state("d20").Job; got == nil || got.ID != newJob {
		t.Errorf("restored job %+v; want %s from the journal", got, newJob)
	}
}
