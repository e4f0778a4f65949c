package supervisor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// A daemon whose lease renewals fail may already have been replaced by an
// instance on another login node once the lease runs out. It must not run
// sbatch unless it can prove the lease for as long as sbatch may take, and
// it must try again once it can.
func TestNoSubmissionWithoutProvenLease(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Runs["d20"].Start = run.StartSubmit
	l, err := lease.Acquire(r.cfg.StateDir, lease.Options{Now: func() time.Time { return r.now }, Host: "login1", PID: 4242})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Release() })
	r.restart()
	r.sup.Fence = l.HoldUntil

	// The heartbeat renewals fail from here on: lease.json cannot be read.
	path := filepath.Join(r.cfg.StateDir, lease.LeaseFile)
	if err := os.Rename(path, path+".aside"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	// 60s after the last heartbeat the lease expires in 30s: less than an
	// sbatch may take.
	r.now = r.now.Add(60 * time.Second)
	res := r.tick()
	if n := r.slurm.count("sbatch"); n != 0 {
		t.Fatalf("sbatch ran %d times with an unproven lease; want 0", n)
	}
	if got := r.logs.FilterMessage(run.EventLeaseUnproven).Len(); got != 1 {
		t.Errorf("lease_unproven logged %d times; want 1", got)
	}
	if st := r.sup.States()["d20"]; st.Intent != nil || st.Attempts != 0 {
		t.Errorf("state after the held-back pass: intent %+v, attempts %d; want nothing recorded", st.Intent, st.Attempts)
	}
	if res.RecheckAfter <= 0 || res.RecheckAfter > time.Minute {
		t.Errorf("RecheckAfter = %v; want a retry within a minute", res.RecheckAfter)
	}

	// Renewal works again: the next pass renews on demand and submits.
	os.Remove(path)
	if err := os.Rename(path+".aside", path); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(res.RecheckAfter)
	r.tick()
	if n := r.slurm.count("sbatch"); n != 1 {
		t.Fatalf("sbatch ran %d times once the lease was renewed; want 1", n)
	}
	if got, want := l.Expires(), r.now.Add(lease.DefaultTTL); !got.Equal(want) {
		t.Errorf("lease expires %v; want renewed before sbatch, to %v", got, want)
	}
}

// The lease is proven again right before sbatch: recording the intent or
// pruning may have outlasted the first proof. A submission held back there
// leaves its journaled intent, which ends like any intent whose job never
// appeared, and the run is submitted once, later.
func TestNoSubmissionWhenLeaseLapsesAfterIntent(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Runs["d20"].Start = run.StartSubmit
	r.restart()
	proofs := 0
	r.sup.Fence = func(time.Time) error {
		proofs++
		if proofs == 2 {
			return errors.New("renewal failed")
		}
		return nil
	}
	r.tick()
	if n := r.slurm.count("sbatch"); n != 0 {
		t.Fatalf("sbatch ran %d times after the second proof failed; want 0", n)
	}
	if st := r.state("d20"); st.Intent == nil {
		t.Fatalf("d20 is %s without an intent; want the recorded intent kept", st.Phase)
	}
	if got := r.logs.FilterMessage(run.EventLeaseUnproven).Len(); got != 1 {
		t.Errorf("lease_unproven logged %d times; want 1", got)
	}
	for range 4 {
		r.now = r.now.Add(time.Minute)
		r.tick()
	}
	if n := r.slurm.count("sbatch"); n != 1 {
		t.Errorf("sbatch ran %d times once the intent's grace ended; want 1", n)
	}
}

// scancel is fenced like sbatch: a plan that cancels a job (on_done:
// cancel) sends nothing while the lease cannot be proven.
func TestNoCancelWithoutProvenLease(t *testing.T) {
	r := newRig(t, "d20")
	r.restart()
	r.sup.Fence = func(time.Time) error { return errors.New("lease renewal failed") }
	rc := r.sup.runs["d20"]
	plan := run.Plan{Actions: []run.Action{run.Cancel{JobID: "7", Reason: run.ReasonOnDoneCancel}}}
	r.sup.applyCancels(context.Background(), r.slurm, rc, plan, r.now)
	if n := r.slurm.count("scancel"); n != 0 {
		t.Fatalf("scancel ran %d times with an unproven lease; want 0", n)
	}
	if got := r.logs.FilterMessage(run.EventLeaseUnproven).Len(); got != 1 {
		t.Errorf("lease_unproven logged %d times; want 1", got)
	}
	r.sup.Fence = func(time.Time) error { return nil }
	r.sup.applyCancels(context.Background(), r.slurm, rc, plan, r.now)
	if n := r.slurm.count("scancel"); n != 1 {
		t.Fatalf("scancel ran %d times with a proven lease; want 1", n)
	}
}
