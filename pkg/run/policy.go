package run

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// Outside this file, by design: the backoff after an sbatch that failed
// (after.go) and while Slurm does not answer (decide.go, unknown); the
// stall alarm (decide_job.go, checkStall).

// Policy is a run's restart policy.
type Policy struct {
	MaxAttempts                int
	MaxFailuresWithoutProgress int
	Backoff                    time.Duration
	MaxBackoff                 time.Duration
	RetryAfterProgress         time.Duration // cap of the delay after a failure with progress
	StuckPendingAfter          time.Duration // report a job pending for a stuck reason this long (0: never)
	StallAfterIntervals        int           // save intervals of silence that make a running job stalled (0: DefaultStallAfterIntervals)
}

// failureClass is how the end of a job is judged.
type failureClass int

const (
	// classProgressTimeout: TIMEOUT after a new checkpoint. Normal life of a
	// run longer than the job limit: resubmit at once.
	classProgressTimeout failureClass = iota
	// classApp: the training code failed (FAILED, OUT_OF_MEMORY, TIMEOUT
	// without progress, COMPLETED with training unfinished). Counted
	// towards the crash-loop guard when it made no progress.
	classApp
	// classInfra: NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE: not the code's
	// fault. Backed off, never counted towards the crash-loop guard.
	classInfra
)

// BackoffDelay is base·2^(n-1), jittered by ±20 % with r in [0,1), and
// capped at max. n < 1 is treated as 1.
func BackoffDelay(base, max time.Duration, n int, r float64) time.Duration {
	if base <= 0 {
		return 0
	}
	if n < 1 {
		n = 1
	}
	d := float64(base) * math.Pow(2, float64(min(n-1, 40)))
	d *= 0.8 + 0.4*r
	if max > 0 && d > float64(max) {
		return max
	}
	return time.Duration(d)
}

// judgeEnd classifies the end of a job that did not reach its targets and
// applies the policy: done, stopped, or failed in one of the classes.
func (d *decider) judgeEnd(row *slurm.Job, progress bool, base []any) {
	in, job := d.in, d.next.Job
	if row.State.Name != slurm.StateCancelled && d.finalCheckpoint() {
		// The final checkpoint is written: whatever killed the job
		// afterwards (a time limit during the last evaluation, a crash
		// in sampling), resuming from it would only rewrite it.
		d.trainingOver(base)
		return
	}
	switch row.State.Name {
	case slurm.StateCancelled:
		switch job.CancelReason {
		case ReasonStallCancel:
			// The daemon's own scancel of a hung job: not the user's
			// wish, not the code's fault.
			d.failed(classInfra, ReasonStalled, progress, base)
			return
		case ReasonLastSave:
			// The daemon's own scancel after the last save that fitted
			// (time_limit: fit): a TIMEOUT that came early.
			d.failed(classProgressTimeout, ReasonLastSave, progress, base)
			return
		}
		reason := ReasonCancelledByOther
		if row.State.By == in.UID {
			reason = ReasonCancelledByUser
		}
		d.stop(reason, base)
		return
	case slurm.StateCompleted:
		// A log showed the end-of-run lines, or the newest checkpoint is
		// the planned last step (observe has folded this pass's log in).
		if st := d.next; st.TrainingFinished || (st.PlannedTotal > 0 && in.Ckpt.Newest >= st.PlannedTotal) {
			d.trainingOver(base)
			return
		}
		d.failed(classApp, ReasonCompletedUnfinished, progress, base)
	case slurm.StateTimeout:
		switch {
		case progress:
			d.failed(classProgressTimeout, ReasonTimeout, true, base)
		case job.FittedLimit > 0:
			// The fitted limit was too tight, not the code at fault.
			d.failed(classInfra, ReasonFitTooShort, false, base)
		default:
			d.failed(classApp, ReasonTimeoutNoProgress, false, base)
		}
	case slurm.StateNodeFail, slurm.StatePreempted, slurm.StateBootFail, slurm.StateDeadline:
		d.failed(classInfra, ReasonInfraFailure, progress, base)
	default:
		d.failed(classApp, ReasonAppFailure, progress, base)
	}
}

// progress: the newest complete step is newer than the step the attempt
// resumed from. An adopted job whose start step is unknown is given the
// benefit of the doubt (its failure is not counted).
func (d *decider) progress() bool {
	resume := d.next.Job.ResumeStep
	if resume == UnknownStep {
		if s := d.in.Log.Summary; s != nil && s.ResumedFrom >= 0 {
			resume = s.ResumedFrom
		} else if s != nil && s.LastStep > 0 {
			resume = NoStep // the log shows a fresh start
		} else {
			return true
		}
		d.next.Job.ResumeStep = resume
	}
	return d.newestUsable() > resume
}

// failed applies the restart policy to a job that ended without finishing.
func (d *decider) failed(class failureClass, reason string, progress bool, base []any) {
	p, st := d.in.Spec.Policy, &d.next
	st.Job.Outcome = reason
	if progress {
		st.FailuresWithoutProgress = 0
		st.InfraFailures = 0
	}
	n := 0 // classProgressTimeout: resubmitted at once
	switch class {
	case classInfra:
		st.InfraFailures++
		n = st.InfraFailures
	case classApp:
		if !progress {
			st.FailuresWithoutProgress++
		}
		n = max(1, st.FailuresWithoutProgress)
	}
	if class == classApp && !progress && d.poisoned() {
		// Resume from the step before the poisoned one: one more try
		// before the crash-loop guard applies.
		st.FailuresWithoutProgress = min(st.FailuresWithoutProgress, p.MaxFailuresWithoutProgress-1)
		reason = ReasonSuspectFallback
		st.Job.Outcome = reason
	}
	if class == classApp && !progress && st.FailuresWithoutProgress >= p.MaxFailuresWithoutProgress {
		d.stop(ReasonCrashLoop, base)
		return
	}
	st.BackoffUntil = d.in.Now
	if n > 0 {
		delay := BackoffDelay(p.Backoff, p.MaxBackoff, n, d.in.Rand)
		if progress && (class == classApp || reason == ReasonStalled) {
			// The run was working: every minute idle is allocation lost.
			delay = min(delay, p.RetryAfterProgress)
		}
		st.BackoffUntil = d.in.Now.Add(delay)
		if delay > 0 {
			d.event(EventRunBackoff, append(base, FieldReason, reason, FieldDelay, delay.String(), FieldUntil, st.BackoffUntil)...)
		}
	}
	st.Reason = reason
	d.afterEnd()
}

// budgetSpent stops a run that has used its policy.max_attempts
// submissions; it reports whether it did.
func (d *decider) budgetSpent() bool {
	st := &d.next
	if st.Attempts < d.in.Spec.Policy.MaxAttempts {
		return false
	}
	base := []any{FieldAttempt, st.Attempts, FieldJobID, jobID(st.Job)}
	if st.Job != nil {
		st.Job.Outcome = cmp.Or(st.Job.Outcome, ReasonBudgetExhausted)
	}
	d.setPhase(PhaseStopped, ReasonBudgetExhausted)
	d.actions = append(d.actions, Stop{Reason: ReasonBudgetExhausted})
	d.event(EventRunStopped, append(base, FieldReason, ReasonBudgetExhausted)...)
	return true
}

// usableSteps are the complete steps the run may resume from: all of them
// but the suspect ones whose files are unchanged since they were judged.
func (d *decider) usableSteps() []int {
	c := d.in.Ckpt
	if len(c.Complete) == 0 {
		if c.Newest == NoStep || d.isSuspect(c.Newest, time.Time{}) {
			return nil
		}
		return []int{c.Newest}
	}
	var steps []int
	for _, s := range c.Complete {
		if !d.isSuspect(s.Step, s.ModTime) {
			steps = append(steps, s.Step)
		}
	}
	return steps
}

// newestUsable is the step the next attempt resumes from (NoStep: none).
func (d *decider) newestUsable() int {
	steps := d.usableSteps()
	if len(steps) == 0 {
		return NoStep
	}
	return steps[len(steps)-1]
}

// NewestUsableStep is the step a run in state st would resume from, given
// this view of its checkpoints (NoStep: none): poisoned steps are skipped.
func NewestUsableStep(st RunState, view CkptView, now time.Time) int {
	d := &decider{in: Input{Now: now, Ckpt: view, State: st}, next: st}
	return d.newestUsable()
}

// isSuspect: step was judged poisoned and (when modTime is known) its files
// have not been rewritten since.
func (d *decider) isSuspect(step int, modTime time.Time) bool {
	return slices.ContainsFunc(d.next.Suspect, func(s SuspectStep) bool {
		return s.Step == step && (modTime.IsZero() || !modTime.After(s.ModTime))
	})
}

// poisoned reports whether the job that just ended and the one before it
// both resumed from the same step and both died without a newer
// checkpoint, while an older complete step exists to fall back to. It
// then marks the step suspect and says so.
func (d *decider) poisoned() bool {
	job := d.next.Job
	s := job.ResumeStep
	if s < 0 || len(d.next.History) == 0 || d.isSuspect(s, time.Time{}) {
		return false
	}
	prev := d.next.History[len(d.next.History)-1]
	if prev.ResumeStep != s || prev.NewestStepAtEnd > s || !prev.Handled {
		return false
	}
	older := slices.IndexFunc(d.usableSteps(), func(step int) bool { return step < s })
	if older < 0 {
		return false
	}
	d.next.Suspect = append(d.next.Suspect, SuspectStep{Step: s, ModTime: d.stepModTime(s), At: d.in.Now, Jobs: []string{prev.ID, job.ID}})
	d.event(EventCheckpointSuspect, FieldStep, s, FieldJobID, job.ID, FieldReason, ReasonSuspectFallback,
		FieldNewestStep, d.newestUsable())
	return true
}
