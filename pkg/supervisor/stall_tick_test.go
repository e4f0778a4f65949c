package supervisor

import (
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// on_stall: cancel from end to end: a job that saved every 10 minutes and
// then fell silent is cancelled after two intervals, and its end (the
// daemon's own "CANCELLED by <uid>") resubmits the run from the newest
// step instead of stopping it.
func TestTickStalledJobCancelledAndResubmitted(t *testing.T) {
	r := newRig(t, "d20")
	rc := r.cfg.Runs["d20"]
	rc.OnStall = config.OnStallCancel
	rc.Policy.StallAfterIntervals = 2
	r.restart()
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	for _, step := range []int{1000, 1100} {
		r.now = r.now.Add(10 * time.Minute)
		r.checkpoint("d20", step, 0.9)
		r.tick()
	}
	r.now = r.now.Add(15 * time.Minute)
	r.tick()
	if n := r.slurm.count("scancel"); n != 0 {
		t.Fatalf("scancel after 16 quiet minutes at a 10 minute interval: %d calls, want none yet", n)
	}
	r.now = r.now.Add(5 * time.Minute)
	r.tick()
	if n := r.slurm.count("scancel"); n != 1 || len(r.events(run.EventRunStalled)) != 1 {
		t.Fatalf("after 21 quiet minutes: %d scancel, %d run_stalled; want 1 and 1", n, len(r.events(run.EventRunStalled)))
	}
	r.now = r.now.Add(10 * time.Second)
	r.tick()
	st := r.state("d20")
	if st.Phase == run.PhaseStopped || len(r.slurm.submit) != 1 {
		t.Fatalf("after the cancelled job ended: phase %s (%s), %d submissions; want one resubmission", st.Phase, st.Reason, len(r.slurm.submit))
	}
	if got := r.slurm.submit[0].ScriptArgs; !slices.Equal(got, []string{"1100"}) || st.Job.ID == id {
		t.Errorf("resubmitted with %q as job %s; want a new job resuming from 1100", got, st.Job.ID)
	}
}
