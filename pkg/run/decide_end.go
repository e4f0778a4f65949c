package run

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

	d.judgeEnd(row, progress, base)
}

// stderrTailLines is how many of the error file's last lines a job's end
// event carries.
const stderrTailLines = 3

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
		d.over(PhaseDone, ReasonTrainingFinished, Complete{Reason: ReasonTrainingFinished}, EventRunDone, base)
		return
	}
	d.stop(ReasonCompletedBelowTarget, base)
}

func (d *decider) stop(reason string, base []any) {
	d.over(PhaseStopped, reason, Stop{Reason: reason}, EventRunStopped, base)
}

// over ends the run with the job's outcome, the action and the event.
func (d *decider) over(p Phase, reason string, a Action, event string, base []any) {
	if d.next.Job != nil {
		d.next.Job.Outcome = reason
	}
	d.setPhase(p, reason)
	d.actions = append(d.actions, a)
	d.event(event, append(base, FieldReason, reason)...)
	d.cancelSuccessor(reason)
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
	if d.budgetSpent() {
		return
	}
	switch {
	case !in.Slurm.QueueAsked || in.Slurm.QueueErr != nil:
		d.unknown()
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
		// already has a job for this run: adopt it, never submit a twin
		// (adoptJob archives the ended one).
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
		d.trainingOver([]any{FieldNewestStep, from, FieldJobID, jobID(st.Job)})
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
