package supervisor

import (
	"fmt"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
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
	ev := r.events(run.EventSlurmMissing)
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldState] != "missing" || ev[0].ContextMap()["hint"] == nil {
		t.Fatalf("slurm_missing events %v; want one, state missing, with a hint", ev)
	}
	if n := len(r.events(run.EventSlurmUnavailable)); n != 0 {
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
	if n := len(r.events(run.EventSlurmMissing)); n != 1 {
		t.Errorf("slurm_missing logged %d times while still missing; want 1", n)
	}

	r.slurm.sacctErr, r.slurm.squeueErr = nil, nil
	r.now = r.now.Add(missingRecheck)
	r.tick()
	ev = r.events(run.EventSlurmMissing)
	if len(ev) != 2 || ev[1].ContextMap()[run.FieldState] != "found" {
		t.Fatalf("slurm_missing events %v; want a second one, state found", ev)
	}
	calls = r.slurm.count("sacct")
	r.now = r.now.Add(time.Minute)
	r.tick()
	if r.slurm.count("sacct") == calls {
		t.Error("after the programs came back, passes still skip Slurm")
	}
}

// TestSlurmBinDirFixedLive: setting slurm.bin_dir after slurm_missing
// takes effect with the reload, at once, without a restart.
func TestSlurmBinDirFixedLive(t *testing.T) {
	r := newRig(t, "d20")
	r.slurm.add("d20-ckpt", "RUNNING", "")
	broken := newMemSlurm(func() time.Time { return r.now })
	notFound := &slurm.CommandError{Cmd: "squeue", ExitCode: -1, Err: slurm.ErrNotFound}
	broken.sacctErr, broken.squeueErr = notFound, notFound
	var built []config.Slurm
	r.sup.Slurm = broken
	r.sup.SlurmFor = func(c config.Slurm) SlurmAPI {
		built = append(built, c)
		return r.slurm
	}
	r.tick()
	if n := len(r.events(run.EventSlurmMissing)); n != 1 {
		t.Fatalf("slurm_missing logged %d times; want 1", n)
	}
	cfg := *r.cfg
	cfg.Slurm.BinDir = "/opt/slurm/bin"
	if err := r.sup.Reload(&cfg); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Second) // well within missingRecheck
	r.tick()
	if len(built) != 1 || built[0].BinDir != "/opt/slurm/bin" {
		t.Errorf("clients built %+v; want one for /opt/slurm/bin", built)
	}
	ev := r.events(run.EventSlurmMissing)
	if len(ev) != 2 || ev[1].ContextMap()[run.FieldState] != "found" {
		t.Errorf("slurm_missing events %v; want the second saying found", ev)
	}
	if st := r.state("d20"); st.Job == nil {
		t.Errorf("no job adopted after the fix")
	}
}
