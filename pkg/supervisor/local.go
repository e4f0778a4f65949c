package supervisor

import (
	"errors"
	"io/fs"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// observeCkpt judges the run's checkpoint directory. settle is how recent
// a write must be for its step to count as still being written: zero once
// the run's job is gone, because then nothing can be writing. The cache
// (ckpt.Cache) reads an unchanged directory's metadata only, rechecking it
// once per ckpt.Rescan.
func (s *Supervisor) observeCkpt(rc runConfig, now time.Time, settle time.Duration) run.CkptView {
	rep, err := s.ckpts.Scan(rc.CheckpointDir, ckpt.Options{Ranks: rc.Ranks, Now: now, SettleTime: settle, Newest: 2})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return run.CkptView{Newest: run.NoStep, FreeBytes: -1, Missing: true}
	case err != nil:
		return run.CkptView{Newest: run.NoStep, FreeBytes: -1, Err: err}
	}
	v := viewOf(rep, now, settle)
	v.FreeBytes = ckpt.FreeBytes(rc.CheckpointDir)
	return v
}

// viewOf turns a scan of the directory into what Decide needs: the
// newest complete step, and the steps after it that are torn or still
// being written. The scan runs each time the directory changes,
// so it verifies only what can matter (ckpt.Scan with Newest): the two newest
// complete steps, the resume step and the poison fallback, and every step
// after them. Older steps are in Complete by file names alone, unopened,
// with a zero ModTime: nanochat never rewrites a step older than the one a
// run resumed from, and a step that old is only reached after two
// fallbacks. This keeps the cost of a change at one listing and a few
// steps instead of a full verification (Scan of 2,000 steps × 10 files:
// about a second).
func viewOf(rep ckpt.Report, now time.Time, settle time.Duration) run.CkptView {
	v := run.CkptView{Newest: run.NoStep, FreeBytes: -1}
	if newest, ok := rep.NewestComplete(); ok {
		v.Newest = newest.Step
		v.NewestValBPB = newest.ValBPB
		v.NewestNumIterations, v.NewestEvalEvery = newest.NumIterations, newest.EvalEvery
		v.NewestBytes = newest.Bytes
	}
	for _, step := range rep.Unverified {
		v.Complete = append(v.Complete, run.CompleteStep{Step: step})
	}
	for _, st := range rep.Steps {
		if st.Complete {
			v.Complete = append(v.Complete, run.CompleteStep{Step: st.Step, ModTime: st.ModTime})
		}
		if st.Step <= v.Newest || st.Complete {
			continue
		}
		if st.Settling(now, settle) {
			v.Settling = true
			continue
		}
		v.Incomplete = append(v.Incomplete, run.IncompleteStep{Step: st.Step, Reason: st.Reason})
	}
	return v
}
