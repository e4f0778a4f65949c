package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// ErrCheckpointDirMissing and ErrCheckpointRegressed put a job that is
// about to start on hold: printing no step would mean "start afresh",
// which would throw away every checkpoint the run made.
var (
	ErrCheckpointDirMissing = errors.New("checkpoint directory missing")
	ErrCheckpointRegressed  = errors.New("newest complete checkpoint went backwards")
)

// ResumeStepFor is the step a job of run r starting now must resume from
// (NoStep: a fresh start): the step the daemon's next submission would
// name, judged by the same view (viewOf), skipping the steps known (the
// run's recorded state, nil when unreadable) marks as suspect. A missing
// directory is a hold (ErrCheckpointDirMissing), as in the daemon, unless
// the state says the run never saved a checkpoint. It reads the checkpoint
// directory only and runs inside the user's job (resume-step); a job
// starting now has no predecessor still writing (a queued successor starts
// afterany), so nothing is given time to settle.
func ResumeStepFor(r *config.Run, known *run.RunState, now time.Time) (int, error) {
	st := run.NewRunState(r.Name)
	if known != nil {
		st = *known
	}
	fi, err := os.Stat(r.CheckpointDir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && known != nil && run.NeverSaved(st):
		return run.NoStep, nil
	case errors.Is(err, fs.ErrNotExist):
		return run.NoStep, fmt.Errorf("run %s: %s: %w", r.Name, r.CheckpointDir, ErrCheckpointDirMissing)
	case err != nil:
		return run.NoStep, fmt.Errorf("run %s: %w", r.Name, err)
	case !fi.IsDir():
		return run.NoStep, fmt.Errorf("run %s: %s: not a directory", r.Name, r.CheckpointDir)
	}
	rep, err := ckpt.Scan(os.DirFS(r.CheckpointDir), ckpt.Options{Ranks: r.Ranks, Now: now, Newest: 2})
	if err != nil {
		return run.NoStep, fmt.Errorf("run %s: %w", r.Name, err)
	}
	view := viewOf(rep, now, 0)
	if st.NewestStep != run.NoStep && view.Newest < st.NewestStep {
		newest := "none"
		if view.Newest != run.NoStep {
			newest = fmt.Sprint(view.Newest)
		}
		return run.NoStep, fmt.Errorf("run %s: %s: %w: step %d was complete, the newest complete now is %s",
			r.Name, r.CheckpointDir, ErrCheckpointRegressed, st.NewestStep, newest)
	}
	return run.NewestUsableStep(st, view, now), nil
}
