package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// ErrCheckpointDirMissing and ErrCheckpointRegressed put a job that is
// about to start on hold: printing no step would mean "start afresh",
// which would throw away every checkpoint the run made.
var (
	ErrCheckpointDirMissing = errors.New("checkpoint directory missing")
	ErrCheckpointRegressed  = errors.New("newest complete checkpoint went backwards")
)

// ResumeStepFor is the step a job of run r starting now must resume from:
// the step the daemon's own next submission would name, judged by the same
// scan (scanDir) with the run's ranks, skipping the steps st marks as
// suspect. NoStep means a fresh start. st is the run's recorded state, or
// NewRunState when there is none (a compute node that cannot read the
// state directory); then only the directory counts.
//
// It reads the checkpoint directory and nothing else: it needs no lease
// and runs inside the user's job (resume-step). A job starting now has no
// predecessor still writing (a queued successor starts after its
// predecessor ended, afterany), so nothing is given time to settle; a torn
// step is incomplete by its structure anyway.
func ResumeStepFor(r *config.Run, st RunState, now time.Time) (int, error) {
	fi, err := os.Stat(r.CheckpointDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return NoStep, fmt.Errorf("run %s: %s: %w", r.Name, r.CheckpointDir, ErrCheckpointDirMissing)
	case err != nil:
		return NoStep, fmt.Errorf("run %s: %w", r.Name, err)
	case !fi.IsDir():
		return NoStep, fmt.Errorf("run %s: %s: not a directory", r.Name, r.CheckpointDir)
	}
	view, _ := scanDir(r.CheckpointDir, r.Ranks, now, 0)
	if view.Err != nil {
		return NoStep, fmt.Errorf("run %s: %w", r.Name, view.Err)
	}
	if st.NewestStep != NoStep && view.Newest < st.NewestStep {
		return NoStep, fmt.Errorf("run %s: %s: %w: step %d was complete, the newest complete now is %s",
			r.Name, r.CheckpointDir, ErrCheckpointRegressed, st.NewestStep, stepText(view.Newest))
	}
	d := &decider{in: Input{Now: now, Ckpt: view, State: st}, next: st}
	return d.newestUsable(), nil
}

func stepText(step int) string {
	if step == NoStep {
		return "none"
	}
	return fmt.Sprint(step)
}
