package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// PruneResult is what a prune of one run did (or would do, dry).
type PruneResult struct {
	Run    string         `json:"run"`
	Plan   ckpt.PrunePlan `json:"plan"`
	Freed  int64          `json:"freed_bytes"` // bytes actually deleted
	DryRun bool           `json:"dry_run"`
}

// ErrNoPrunePolicy: the run has no retention policy to apply.
var ErrNoPrunePolicy = errors.New("no prune policy (prune: in the configuration)")

// Prune applies the run's retention policy to its checkpoint directory.
// It never deletes the newest complete step, the best val_bpb step, a step
// that may still be being written, or a step the run's current, last or
// next attempt resumes from. Each deleted step is logged as
// checkpoint_pruned with the bytes freed. Passes and prunes never overlap.
func (s *Supervisor) Prune(run string, dryRun bool) (PruneResult, error) {
	s.pass.Lock()
	defer s.pass.Unlock()
	return s.prune(run, dryRun)
}

// prune is Prune for a caller that holds the pass lock.
func (s *Supervisor) prune(runName string, dryRun bool) (PruneResult, error) {
	s.mu.Lock()
	rc, ok := s.runs[runName]
	st := s.states[runName]
	global := s.Options.Config.Prune
	s.mu.Unlock()
	if !ok {
		return PruneResult{}, fmt.Errorf("no run %q in the configuration", runName)
	}
	pol := rc.EffectivePrune(global)
	if pol == nil {
		return PruneResult{}, fmt.Errorf("run %s: %w", runName, ErrNoPrunePolicy)
	}
	now := s.Now()
	rep, err := ckpt.ScanDir(rc.CheckpointDir, ckpt.Options{Ranks: rc.Ranks, Now: now, SettleTime: ckpt.Settle})
	if err != nil {
		return PruneResult{}, fmt.Errorf("run %s: %w", runName, err)
	}
	plan := ckpt.PlanPrune(rep, ckpt.RetentionPolicy{KeepLast: pol.KeepLast, KeepEvery: pol.KeepEvery}, protectedSteps(st))
	if plan.Delete == nil {
		plan.Delete = []ckpt.Step{}
	}
	if plan.Keep == nil {
		plan.Keep = []ckpt.Kept{}
	}
	res := PruneResult{Run: runName, Plan: plan, DryRun: dryRun}
	if dryRun {
		return res, nil
	}
	for _, step := range plan.Delete {
		if err := ckpt.DeleteStep(rc.CheckpointDir, step); err != nil {
			s.emitAndJournal(now, run.NewEvent(run.EventCheckpointPruned, runName, run.FieldStep, step.Step, run.FieldError, err.Error()))
			return res, fmt.Errorf("run %s: %w", runName, err)
		}
		res.Freed += step.Bytes
		reason := "complete"
		if !step.Complete {
			reason = step.Reason
		}
		s.emitAndJournal(now, run.NewEvent(run.EventCheckpointPruned, runName, run.FieldStep, step.Step, run.FieldBytes, step.Bytes, run.FieldReason, reason))
	}
	return res, nil
}

// protectedSteps are the steps an attempt of the run resumed from or is
// about to resume from.
func protectedSteps(st run.RunState) map[int]string {
	p := map[int]string{}
	if j := st.Job; j != nil && j.ResumeStep >= 0 {
		p[j.ResumeStep] = "resume_step_of_job_" + j.ID
	}
	if it := st.Intent; it != nil && it.FromStep >= 0 {
		p[it.FromStep] = "resume_step_of_pending_submission"
	}
	if o := st.ResumeOverride; o != nil && *o >= 0 {
		p[*o] = "resume_step_requested"
	}
	if n := len(st.History); n > 0 && st.History[n-1].ResumeStep >= 0 {
		p[st.History[n-1].ResumeStep] = "resume_step_of_job_" + st.History[n-1].ID
	}
	return p
}

// PruneSchedule runs each run's scheduled prune (prune.schedule, robfig
// cron syntax) until ctx ends. Reload re-reads the schedules.
type PruneSchedule struct {
	sup  *Supervisor
	mu   sync.Mutex // one Reschedule at a time
	cron *cron.Cron
}

// StartPruneSchedule starts the scheduler for the current configuration.
func (s *Supervisor) StartPruneSchedule(ctx context.Context) *PruneSchedule {
	ps := &PruneSchedule{sup: s, cron: cron.New(cron.WithParser(cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)))}
	ps.Reschedule()
	ps.cron.Start()
	context.AfterFunc(ctx, func() { <-ps.cron.Stop().Done() })
	return ps
}

// Reschedule replaces the schedule with the one of the configuration in
// force (after a reload).
func (ps *PruneSchedule) Reschedule() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, e := range ps.cron.Entries() {
		ps.cron.Remove(e.ID)
	}
	s := ps.sup
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, rc := range s.runs {
		pol := rc.EffectivePrune(s.Options.Config.Prune)
		if pol == nil || pol.Schedule == "" {
			continue
		}
		if _, err := ps.cron.AddFunc(pol.Schedule, func() { s.scheduledPrune(name) }); err != nil {
			s.Logger.Warn(run.EventConfigRejected, zap.String(run.FieldRun, name), zap.String(run.FieldError, "prune.schedule: "+err.Error()))
		}
	}
}

// scheduledPrune applies the retention policy to a run at its scheduled
// time, unless the run is paused: a paused run is never acted upon, and
// deleting checkpoints is acting (prune RUN still does it on request).
func (s *Supervisor) scheduledPrune(runName string) {
	s.mu.Lock()
	rc, ok := s.runs[runName]
	paused := ok && rc.paused(s.states[runName])
	s.mu.Unlock()
	if paused {
		return
	}
	if _, err := s.Prune(runName, false); err != nil && !errors.Is(err, ErrNoPrunePolicy) {
		s.emit(run.NewEvent(run.EventRunError, runName, run.FieldError, err.Error(), run.FieldReason, "prune"))
	}
}
