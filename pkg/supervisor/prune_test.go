package supervisor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

func TestPruneKeepsWhatResumesNeed(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Prune = &config.Prune{KeepLast: 1}
	r.restart()
	for _, step := range []int{100, 200, 300, 400, 500} {
		r.checkpoint("d20", step, 0.9-float64(step)/10000) // the newest is also the best
	}
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	// The adopted job resumed from 200, says the state.
	r.sup.mu.Lock()
	st := r.sup.states["d20"]
	st.Job.ResumeStep = 200
	r.sup.states["d20"] = st
	r.sup.mu.Unlock()
	_ = id

	dry, err := r.sup.Prune("d20", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := steps(dry.Plan.Delete); !equalInts(got, []int{100, 300, 400}) {
		t.Fatalf("dry run would delete %v; want [100 300 400] (200 is the job's resume step, 500 the newest)", got)
	}
	if _, err := os.Stat(filepath.Join(r.cfg.Runs["d20"].CheckpointDir, ckpt.ModelName(100))); err != nil {
		t.Fatalf("dry run deleted files: %v", err)
	}
	res, err := r.sup.Prune("d20", false)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ckpt.ScanDir(r.cfg.Runs["d20"].CheckpointDir, ckpt.Options{Ranks: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.CompleteSteps(); !equalInts(got, []int{200, 500}) {
		t.Errorf("after prune: complete steps %v; want [200 500]", got)
	}
	if ev := r.events(run.EventCheckpointPruned); len(ev) != 3 || res.Freed <= 0 {
		t.Errorf("checkpoint_pruned events %d, freed %d; want 3 and > 0", len(ev), res.Freed)
	}
}

func TestPruneWithoutPolicy(t *testing.T) {
	r := newRig(t, "d20")
	if _, err := r.sup.Prune("d20", true); err == nil {
		t.Errorf("prune without a policy: no error")
	}
	if _, err := r.sup.Prune("nope", true); err == nil {
		t.Errorf("prune of an unknown run: no error")
	}
}

func steps(s []ckpt.Step) []int {
	var out []int
	for _, x := range s {
		out = append(out, x.Step)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestScheduledPruneSkipsPausedRun: a paused run is never acted upon, and
// the schedule deleting its checkpoints would be acting; unpaused, the
// schedule applies again.
func TestScheduledPruneSkipsPausedRun(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Prune = &config.Prune{KeepLast: 1}
	r.restart()
	for _, step := range []int{100, 200, 300} {
		r.checkpoint("d20", step, 0.9)
	}
	complete := func() []int {
		rep, err := ckpt.ScanDir(r.cfg.Runs["d20"].CheckpointDir, ckpt.Options{Ranks: 1})
		if err != nil {
			t.Fatal(err)
		}
		return rep.CompleteSteps()
	}
	if err := r.sup.Apply(r.now, run.NewRequest(run.RequestPause, "d20", r.now)); err != nil {
		t.Fatal(err)
	}
	r.sup.scheduledPrune("d20")
	if got := complete(); !equalInts(got, []int{100, 200, 300}) {
		t.Fatalf("paused: complete steps %v after the scheduled prune; want all kept", got)
	}
	if err := r.sup.Apply(r.now, run.NewRequest(run.RequestUnpause, "d20", r.now)); err != nil {
		t.Fatal(err)
	}
	r.sup.scheduledPrune("d20")
	if got := complete(); !equalInts(got, []int{300}) {
		t.Errorf("unpaused: complete steps %v after the scheduled prune; want [300]", got)
	}
}
