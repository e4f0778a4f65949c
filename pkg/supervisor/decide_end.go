package supervisor

import (
	"slices"
	"strings"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// handleEnd judges a job that has ended for good (sacct terminal, gone from
// squeue). It runs once per job: the verdict is stored in the job record.
func (d *decider) handleEnd(row *slurm.Job) {
	in, job := d.in, d.next.Job
	// A job that started and ended between two passes is seen started
	// only now: its log's steps are taken before its end is handled.
	d.noteSteps()
	job.Handled = true
	job.NewestStepAtEnd = in.Ckpt.Newest
	d.checkLogMissing(row)
	if s := in.Log.Summary; s != nil {
		job.Hints = slices.Clone(s.Hints)
	}
	d.accountEnded(job)
	progress := d.progress()
	base := []any{FieldJobID, job.ID, FieldState, row.State.String(), FieldExitCode, row.ExitCode.String(),
		FieldAttempt, job.Attempt, FieldNewestStep, in.Ckpt.Newest, FieldProgress, progress}
	if len(job.Hints) > 0 {
		base = append(base, FieldHints, job.Hints)
	}
	if tail := in.Log.ErrLastLines; len(tail) > 0 && row.State.Name != slurm.StateCompleted {
		// What the job last said on stderr (a traceback's last lines) is
		// the evidence a user wants first when a job dies.
		base = append(base, FieldStderrTail, slices.Clone(tail[max(0, len(tail)-stderrTailLines):]))
	}
	d.noteBadNodes(row, progress)

	if row.State.Name != slurm.StateCancelled && d.finalCheckpoint() {
		// The final checkpoint is written: whatever killed the job
		// afterwards (a time limit during the last evaluation, a crash
		// in sampling), resuming from it would only rewrite it.
		d.trainingOver(base)
		return
	}
	switch row.State.Name {
	case slurm.StateCancelled:
		if job.CancelReason == ReasonStallCancel {
			// The daemon's own scancel of a hung job: not the user's
			// wish, not the code's fault.
			d.failed(classInfra, ReasonStalled, progress, base)
			return
		}
		reason := ReasonCancelledByOther
		if row.State.By == in.UID {
			reason = ReasonCancelledByUser
		}
		d.stop(reason, base)
		return
	case slurm.StateCompleted:
		if d.trainingFinished() {
			d.trainingOver(base)
			return
		}
		d.failed(classApp, ReasonCompletedUnfinished, progress, base)
	case slurm.StateTimeout:
		if !progress && job.FittedLimit > 0 {
			// The fitted limit was too tight, not the code at fault.
			d.failed(classInfra, ReasonFitTooShort, false, base)
			return
		}
		if progress {
			d.failed(classProgressTimeout, ReasonTimeout, true, base)
		} else {
			d.failed(classApp, ReasonTimeoutNoProgress, false, base)
		}
	case slurm.StateNodeFail, slurm.StatePreempted, slurm.StateBootFail, slurm.StateDeadline:
		d.failed(classInfra, ReasonInfraFailure, progress, base)
	default:
		d.failed(classApp, ReasonAppFailure, progress, base)
	}
}

// stderrTailLines is how many of the error file's last lines a job's end
// event carries.
const stderrTailLines = 3

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

func (d *decider) trainingFinished() bool {
	if d.next.TrainingFinished {
		return true
	}
	if s := d.in.Log.Summary; s != nil && trainer.Finished(*s, d.in.Ckpt.Newest) {
		return true
	}
	return d.next.PlannedTotal > 0 && d.in.Ckpt.Newest >= d.next.PlannedTotal
}

// finalCheckpoint: the newest complete checkpoint is the planned final
// step (from the log's "step N/T" or meta's num_iterations).
func (d *decider) finalCheckpoint() bool {
	return d.next.PlannedTotal > 0 && d.newestUsable() >= d.next.PlannedTotal
}

// trainingOver ends a run whose training is finished: done when it has no
// targets (the schedule was the goal), else stopped below target (met
// targets were caught before the job's end was looked at).
func (d *decider) trainingOver(base []any) {
	if t := d.in.Spec.Targets; t.ValBPB == nil && t.CoreMetric == nil {
		d.finish(base)
		return
	}
	d.stop(ReasonCompletedBelowTarget, base)
}

func (d *decider) stop(reason string, base []any) {
	if d.next.Job != nil {
		d.next.Job.Outcome = reason
	}
	d.setPhase(PhaseStopped, reason)
	d.actions = append(d.actions, Stop{Reason: reason})
	d.event(EventRunStopped, append(base, FieldReason, reason)...)
	d.cancelSuccessor(reason)
}

func (d *decider) finish(base []any) {
	if d.next.Job != nil {
		d.next.Job.Outcome = ReasonTrainingFinished
	}
	d.setPhase(PhaseDone, ReasonTrainingFinished)
	d.actions = append(d.actions, Complete{Reason: ReasonTrainingFinished})
	d.event(EventRunDone, append(base, FieldReason, ReasonTrainingFinished)...)
	d.cancelSuccessor(ReasonTrainingFinished)
}

// failed applies the restart policy to a job that ended without finishing.
func (d *decider) failed(class failureClass, reason string, progress bool, base []any) {
	p, st := d.in.Spec.Policy, &d.next
	st.Job.Outcome = reason
	if progress {
		st.FailuresWithoutProgress = 0
		st.InfraFailures = 0
	}
	var n int
	switch class {
	case classProgressTimeout:
		n = 0
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
		delay := backoffDelay(p.Backoff, p.MaxBackoff, n, d.in.Rand)
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

// afterEnd submits the next attempt once the backoff has passed.
func (d *decider) afterEnd() {
	if d.promoteSuccessor() {
		return
	}
	if until := d.next.BackoffUntil; d.in.Now.Before(until) {
		d.wait(PhaseBackoff, ReasonBackoff, until.Sub(d.in.Now))
		return
	}
	reason := ReasonBackoff
	if j := d.next.Job; j != nil && j.Outcome != "" {
		reason = j.Outcome
	}
	if d.next.Reason == ReasonOperatorResume {
		reason = ReasonOperatorResume
	}
	d.submit(reason)
}

// submit records the intent of the next attempt. Apply runs sbatch only
// after the intent is durable.
func (d *decider) submit(reason string) {
	in, st := d.in, &d.next
	if st.Attempts >= in.Spec.Policy.MaxAttempts {
		base := []any{FieldAttempt, st.Attempts}
		if st.Job != nil {
			base = append(base, FieldJobID, st.Job.ID)
		}
		st.Job = ensureJobOutcome(st.Job, ReasonBudgetExhausted)
		d.setPhase(PhaseStopped, ReasonBudgetExhausted)
		d.actions = append(d.actions, Stop{Reason: ReasonBudgetExhausted})
		d.event(EventRunStopped, append(base, FieldReason, ReasonBudgetExhausted)...)
		return
	}
	switch {
	case !in.Slurm.QueueAsked || in.Slurm.QueueErr != nil:
		d.unknown(orErr(in.Slurm.QueueErr, "squeue not asked"))
		return
	case d.held():
		return
	case in.Ckpt.Settling:
		d.wait(PhaseBackoff, ReasonCheckpointSettling, shortRecheck)
		return
	}
	if e, ok := liveQueueEntry(in.Slurm.Queue, ""); ok {
		if st.Job.Is(e.ID, in.Slurm.Cluster) {
			// The job thought over is live after all (an operator's
			// forced resume on stale state): follow it again.
			st.Job.Handled = false
			d.wait(PhaseRunning, ReasonJobLive, 0)
			return
		}
		// Somebody (the user, or a submission whose record was lost)
		// already has a job for this run: adopt it, never submit a twin.
		if st.Job != nil {
			d.archive(*st.Job)
			st.Job = nil
		}
		d.adoptJob(JobRecord{ID: e.ID, ResumeStep: UnknownStep, Adopted: true, Submitted: e.Submit}, ReasonAdoptedLive)
		return
	}
	from := d.newestUsable()
	if o := st.ResumeOverride; o != nil {
		from = *o
		st.ResumeOverride = nil
	} else if d.finalCheckpoint() {
		// Never resubmit from the final step: nanochat would only
		// rewrite that checkpoint in place.
		base := []any{FieldNewestStep, from}
		if st.Job != nil {
			base = append(base, FieldJobID, st.Job.ID)
		}
		d.trainingOver(base)
		return
	}
	if from == NoStep && in.Spec.Start != StartSubmit && reason != ReasonOperatorResume {
		d.wait(PhaseWaiting, ReasonNoCheckpoint, 0)
		return
	}
	attempt := st.Attempts + 1
	tag := makeTag(in.Spec.Name, attempt, in.Nonce)
	st.Attempts = attempt
	limit, fitKV := d.fittedLimit()
	exclude, excludeKV := d.excludedNodes()
	st.Intent = &Intent{Tag: tag, Cluster: in.Spec.Cluster, Attempt: attempt, FromStep: from, At: in.Now, TimeLimit: limit}
	d.setPhase(PhaseSubmitting, reason)
	pruneFirst := st.Job != nil && slices.Contains(st.Job.Hints, trainer.HintDiskQuota)
	d.actions = append(d.actions, Submit{Attempt: attempt, FromStep: from, Tag: tag, PruneFirst: pruneFirst, TimeLimit: limit, Exclude: strings.Join(exclude, ",")})
	if in.Spec.QueueAhead {
		// Look again soon to queue the successor behind this job: its
		// start wakes nothing, and the poll interval may be long.
		d.recheckIn(shortRecheck)
	}
	kv := append([]any{FieldAttempt, attempt, FieldResumeStep, from, FieldTag, tag, FieldReason, reason}, fitKV...)
	d.event(EventSubmitIntent, append(kv, excludeKV...)...)
}

func ensureJobOutcome(j *JobRecord, outcome string) *JobRecord {
	if j != nil && j.Outcome == "" {
		j.Outcome = outcome
	}
	return j
}
