package supervisor

import (
	"fmt"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// TestSlurmMissingSaidOnceCheckedSlowly: sacct not found is logged once as
// slurm_missing (not as slurm_unavailable), passes then wait
// missingRecheck instead of asking again at once, and the programs coming
// back is said too.
func TestSlurmMissingSaidOnceCheckedSlowly(t *testing.T) {
	r := newRig(t, "d20")
	r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	notFound := &slurm.CommandError{Cmd: "sacct", ExitCode: -1,
		Err: fmt.Errorf("%w (exec: \"sacct\": executable file not found in $PATH)", slurm.ErrNotFound)}
	r.slurm.sacctErr, r.slurm.squeueErr = notFound, notFound
	r.now = r.now.Add(2 * time.Minute)
	res := r.tick()
	ev := r.events(EventSlurmMissing)
	if len(ev) != 1 || ev[0].ContextMap()[FieldState] != "missing" || ev[0].ContextMap()["hint"] == nil {
		t.Fatalf("slurm_missing events %v; want one, state missing, with a hint", ev)
	}
	if n := len(r.events(EventSlurmUnavailable)); n != 0 {
		t.Errorf("slurm_unavailable logged %d times; a missing program is no outage", n)
	}
	calls := r.slurm.count("sacct")
	for i := 0; i < 3; i++ {
		r.now = r.now.Add(time.Minute)
		res = r.tick()
		if res.RecheckAfter <= 0 || res.RecheckAfter > missingRecheck {
			t.Errorf("pass within the recheck: RecheckAfter %v; want up to %v", res.RecheckAfter, missingRecheck)
		}
	}
	if n := r.slurm.count("sacct") - calls; n != 0 {
		t.Errorf("%d sacct calls within %v of the last look; want 0", n, missingRecheck)
	}
	r.now = r.now.Add(missingRecheck)
	r.tick()
	if n := r.slurm.count("sacct") - calls; n != 1 {
		t.Errorf("after %v: %d sacct calls; want 1 look", missingRecheck, n)
	}
	if n := len(r.events(EventSlurmMissing)); n != 1 {
		t.Errorf("slurm_missing logged %d times while still missing; want 1", n)
	}

	r.slurm.sacctErr, r.slurm.squeueErr = nil, nil
	r.now = r.now.Add(missingRecheck)
	r.tick()
	ev = r.events(EventSlurmMissing)
	if len(ev) != 2 || ev[1].ContextMap()[FieldState] != "found" {
		t.Fatalf("slurm_missing events %v; want a second one, state found", ev)
	}
	calls = r.slurm.count("sacct")
	r.now = r.now.Add(time.Minute)
	r.tick()
	if r.slurm.count("sacct") == calls {
		t.Error("after the programs came back, passes still skip Slurm")
	}
}
