package supervisor

import (
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"os"
	"testing"
	"time"
)

// The checkpoint directory is moved away while the job ends: nothing is
// submitted (a fresh start would throw the run away), the hold is logged
// once, and once the directory is back the run resumes from its newest
// step.
func TestTickHoldsWhileCheckpointDirMissing(t *testing.T) {
	r, dir, id := rigWithCheckpointMovedAway(t)
	r.slurm.set(id, "TIMEOUT", "0:0")
	for range 3 {
		r.now = r.now.Add(2 * time.Minute)
		r.tick()
	}
	if n := len(r.slurm.submit); n != 0 {
		t.Fatalf("sbatch called %d times while the directory was missing; want 0", n)
	}
	if n := len(r.events(run.EventCheckpointDirMissing)); n != 1 {
		t.Errorf("checkpoint_dir_missing logged %d times in 3 passes; want once", n)
	}
	if st := r.state("d20"); st.Phase != run.PhaseHeld || st.Reason != run.ReasonCheckpointDirMissing || st.Hold == nil {
		t.Errorf("phase %s, reason %s, hold %+v; want held for the missing directory", st.Phase, st.Reason, st.Hold)
	}

	// A restarted daemon remembers the episode: no second event.
	r.restart()
	r.tick()
	if n := len(r.events(run.EventCheckpointDirMissing)); n != 0 {
		t.Errorf("checkpoint_dir_missing logged again after a restart")
	}

	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(2 * time.Minute)
	r.tick()
	if n := len(r.slurm.submit); n != 1 || len(r.slurm.submit[0].ScriptArgs) != 1 || r.slurm.submit[0].ScriptArgs[0] != "1000" {
		t.Fatalf("submissions %+v; want one resuming from step 1000", r.slurm.submit)
	}
	if n := len(r.events(run.EventCheckpointHoldReleased)); n != 1 {
		t.Errorf("checkpoint_hold_released logged %d times; want once", n)
	}
}

// A checkpoint path that cannot be read holds the run and says why, once;
// it is not reported as "resubmit now" forever. (Tests run as root, so
// unreadable is a file where the directory was.)
func TestTickHoldsWhileCheckpointDirUnreadable(t *testing.T) {
	r, dir, id := rigWithCheckpointMovedAway(t)
	if err := os.WriteFile(dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.slurm.set(id, "TIMEOUT", "0:0")
	for range 2 {
		r.now = r.now.Add(2 * time.Minute)
		r.tick()
	}
	ev := r.events(run.EventCheckpointDirMissing)
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldError] == nil {
		t.Fatalf("checkpoint_dir_missing events %v; want one with the error", ev)
	}
	if st := r.state("d20"); st.Phase != run.PhaseHeld || st.Reason != run.ReasonCheckpointError || len(r.slurm.submit) != 0 {
		t.Errorf("phase %s, reason %s, %d submissions; want held, checkpoint_unreadable, none", st.Phase, st.Reason, len(r.slurm.submit))
	}
}

// rigWithCheckpointMovedAway is a run whose adopted job wrote step 1000
// and still runs, with its checkpoint directory just moved to DIR.away.
func rigWithCheckpointMovedAway(t *testing.T) (r *rig, dir, jobID string) {
	r = newRig(t, "d20")
	dir = r.cfg.Runs["d20"].CheckpointDir
	jobID = r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 1000, 0.9)
	r.now = r.now.Add(time.Hour)
	r.tick()
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	return r, dir, jobID
}
