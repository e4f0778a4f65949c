package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/quota"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// observeCkpt judges the run's checkpoint directory. settle is how recent
// a write must be for its step to count as still being written: zero once
// the run's job is gone, because then nothing can be writing.
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

// viewOf turns a scan with Newest 2 into what Decide needs: the newest
// complete step, and the steps after it that are torn or still being
// written. Only the two newest complete steps (the resume step and the
// poison fallback) and every step after them are verified; older steps are
// in Complete by file names alone, with a zero ModTime: nanochat never
// rewrites a step older than the one a run resumed from. A full
// verification of 2,000 steps × 10 files takes about a second.
func viewOf(rep ckpt.Report, now time.Time, settle time.Duration) run.CkptView {
	v := run.CkptView{Newest: run.NoStep, FreeBytes: -1}
	if newest, ok := rep.NewestComplete(); ok {
		v.Newest = newest.Step
		v.NewestValBPB = newest.ValBPB
		v.NewestNumIterations, v.NewestEvalEvery, v.NewestCoreEvery = newest.NumIterations, newest.EvalEvery, newest.CoreMetricEvery
		v.NewestSaveEvery = newest.SaveEvery
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

// quotaEvery bounds how often one quota command runs: `lfs quota` asks the
// metadata server, which every user of the filesystem shares.
const quotaEvery = time.Minute

// quotaEntry is the last answer of a quota command (by its arguments,
// {dir} filled in), and the problem last reported for it.
type quotaEntry struct {
	at     time.Time
	left   quota.Left
	err    error
	warned string // the problem last logged as config_warning; "" after a good answer
}

// withQuota lowers the view's free space to what the user's quota leaves,
// when storage.quota_command is set and says less than statfs. It asks only
// when there is a checkpoint to compare with, and reuses an answer younger
// than quotaEvery. A command that fails, hangs or prints what quota.Parse
// cannot read is logged once as config_warning naming the command (again
// only when the problem changes); the free space from statfs stands
// meanwhile.
func (s *Supervisor) withQuota(ctx context.Context, now time.Time, rc runConfig, v run.CkptView) run.CkptView {
	s.mu.Lock()
	st := s.Options.Config.Storage
	argv := st.Argv(rc.CheckpointDir)
	key := strings.Join(argv, "\x00")
	e, ok := s.quotas[key]
	s.mu.Unlock()
	if argv == nil || v.NewestBytes <= 0 || v.Err != nil {
		return v
	}
	if !ok || now.Sub(e.at) >= quotaEvery || now.Before(e.at) {
		left, err := s.queryQuota(ctx, argv, st.QuotaTimeout)
		warned := e.warned
		e = quotaEntry{at: now, left: left, err: err}
		if err != nil {
			e.warned = err.Error()
		}
		if e.warned != "" && e.warned != warned {
			s.emit(run.NewEvent(run.EventConfigWarning, rc.spec.Name, run.FieldWarning,
				fmt.Sprintf("storage.quota_command: %s; using the filesystem's free space", e.warned),
				"command", strings.Join(argv, " ")))
		}
		s.mu.Lock()
		s.quotas[key] = e
		s.mu.Unlock()
	}
	if e.err != nil || !e.left.Limited {
		return v
	}
	if v.FreeBytes < 0 || e.left.Bytes < v.FreeBytes {
		v.FreeBytes, v.FreeFrom = e.left.Bytes, run.FreeFromQuota
	}
	return v
}
