package run

import (
	"cmp"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// Queue ahead (queue_ahead: true). While the run's job N is PENDING or
// RUNNING, the next attempt is kept queued behind it with --dependency=afterany:N, so
// that it starts the moment N ends instead of after the daemon's next pass
// and a trip through the queue. Its resume step cannot be known when it is
// submitted: the user's script asks `nanosupervisord resume-step RUN` when
// it starts, and the successor is submitted without resume arguments.
//
// The successor is submitted like every job: intent journaled first, a tag
// (nsv:RUN:ATTEMPT:qNONCE; the q tells it from an ordinary attempt)
// resolved after a crash, never twinned. It is the one exception to "never
// two live jobs for one run": a job PENDING on a dependency uses nothing
// and cannot run while N does. When N ends, the successor becomes the
// run's job (promoteSuccessor); when the run is done, stopped or paused it
// is cancelled (cancelSuccessor).

// isSuccessorIntent: the pending intent is a successor's, which never
// holds up the run's own job.
func (st *RunState) isSuccessorIntent() bool {
	return st.Intent != nil && st.Intent.After != ""
}

// queueAhead records the intent of a successor behind the run's live job,
// when the run wants one and has none. It does not wait for the job to
// run: sacct says PENDING for seconds after a job started, and a job that
// pends is followed only at the poll interval, so waiting for RUNNING
// would often queue the successor after the job had ended. A successor
// behind a pending job holds nothing either.
func (d *decider) queueAhead(state slurm.State) {
	in, st := d.in, &d.next
	if st.Hold != nil {
		// The checkpoints cannot be trusted: a successor would start from
		// what resume-step refuses to name. It is cancelled (scancel sent
		// again while it stays live, forgotten once gone); a new one is
		// queued once they are back.
		d.cancelSuccessor(st.Hold.Reason)
		return
	}
	switch {
	case !in.Spec.QueueAhead || st.Successor != nil || st.Intent != nil:
		return
	case (state.Name != slurm.StateRunning && state.Name != slurm.StatePending) || in.Now.Before(st.BackoffUntil):
		return
	case st.Attempts >= in.Spec.Policy.MaxAttempts:
		return
	case !in.Slurm.QueueAsked || in.Slurm.QueueErr != nil:
		return
	case d.newestUsable() == NoStep && in.Spec.Start != StartSubmit:
		// The successor would start afresh where the daemon would wait.
		return
	}
	if _, ok := liveQueueEntry(in.Slurm.Queue, st.Job.ID); ok {
		// Another job of the run is queued already (one whose record was
		// lost, or the user's): never add a third. It is adopted when the
		// running job ends (submit).
		return
	}
	attempt := st.Attempts + 1
	tag := makeTag(in.Spec.Name, attempt, "q"+in.Nonce)
	st.Attempts = attempt
	st.Intent = &Intent{Tag: tag, Attempt: attempt, FromStep: UnknownStep, At: in.Now, After: st.Job.ID}
	d.actions = append(d.actions, Submit{Attempt: attempt, FromStep: UnknownStep, Tag: tag, After: st.Job.ID})
	d.event(EventSubmitIntent, FieldAttempt, attempt, FieldTag, tag, FieldAfter, st.Job.ID, FieldReason, ReasonQueueAhead)
}

// promoteSuccessor makes the queued successor the run's job once the job
// it waited for has ended and was judged. It reports false when there is
// none. The successor started (or starts) the moment its predecessor
// ended, whatever the backoff; its resume step is what resume-step prints
// now that nothing writes checkpoints.
func (d *decider) promoteSuccessor() bool {
	st := &d.next
	if st.isSuccessorIntent() {
		// Its job may exist: wait for the tag rather than twin it.
		d.wait(PhaseSubmitting, ReasonIntentPending, shortRecheck)
		return true
	}
	succ := st.Successor
	if succ == nil {
		return false
	}
	if prev := st.Job; prev != nil && prev.Outcome == ReasonSuspectFallback && succ.CancelSent.IsZero() {
		// The successor asked resume-step before the step it resumes
		// from was found poisoned: replace it by a job that skips it.
		d.cancelSuccessor(ReasonSuspectFallback)
	}
	if !succ.CancelSent.IsZero() {
		// Cancelled (while the run was paused, or just above): see it
		// gone first, then submit afresh.
		d.cancelSuccessor(succ.Outcome)
		if st.Successor == nil {
			return false
		}
		d.wait(PhaseBackoff, ReasonQueueAhead, shortRecheck)
		return true
	}
	prev := st.Job
	st.Successor = nil
	succ.ResumeStep = d.newestUsable()
	if prev != nil {
		succ.ResumeStep = d.usableAt(prev.End)
		d.next.archive(*prev)
	}
	st.Job = succ
	st.BackoffUntil = d.in.Now
	reason := ReasonQueuedSuccessor
	if prev != nil && prev.Outcome != "" {
		reason = prev.Outcome
	}
	d.event(EventJobResubmitted, FieldJobID, jobID(prev), FieldNewJobID, succ.ID, FieldAttempt, succ.Attempt,
		FieldResumeStep, succ.ResumeStep, FieldReason, reason, FieldSuccessor, true)
	d.wait(PhaseRunning, ReasonQueuedSuccessor, soon)
	return true
}

// usableAt is the newest usable step written before end: what resume-step
// told a successor that started when its predecessor ended, even if the
// successor has saved a newer step since. sacct's End has whole seconds,
// so a step written within the second of the end still counts; a
// successor cannot start, load and save within that second. Steps known
// by name only (no ModTime) are old.
func (d *decider) usableAt(end time.Time) int {
	c := d.in.Ckpt
	if end.IsZero() || len(c.Complete) == 0 {
		return d.newestUsable()
	}
	for i := len(c.Complete) - 1; i >= 0; i-- {
		s := c.Complete[i]
		if d.isSuspect(s.Step, s.ModTime) {
			continue
		}
		if s.ModTime.IsZero() || s.ModTime.Before(end.Add(time.Second)) {
			return s.Step
		}
	}
	return NoStep
}

// jobID is the job's id for an event, nil (left out) for no job.
func jobID(j *JobRecord) any {
	if j == nil {
		return nil
	}
	return nonEmpty(j.ID)
}

// cancelSuccessor cancels the queued successor of a run that is done,
// stopped or paused: the run wants no next attempt. scancel is sent again
// after cancelRetry while squeue still lists the successor live; once it
// does not, the successor goes to the history. The attempt it took is
// given back: it never ran as the run's job.
func (d *decider) cancelSuccessor(reason string) {
	in, st := d.in, &d.next
	s := st.Successor
	if s == nil {
		return
	}
	if !s.CancelSent.IsZero() && in.Slurm.QueueAsked && in.Slurm.QueueErr == nil {
		if e, ok := queueEntry(in.Slurm.Queue, s.ID); !ok || e.State.Terminal() {
			s.Handled = true
			d.next.archive(*s)
			st.Successor = nil
			d.dirty = true
			return
		}
	}
	if !s.CancelSent.IsZero() && in.Now.Sub(s.CancelSent) < cancelRetry {
		d.recheckIn(shortRecheck * 6)
		return
	}
	if s.CancelSent.IsZero() {
		s.Outcome = cmp.Or(reason, ReasonQueueAhead)
		st.Attempts = max(0, st.Attempts-1)
		d.event(EventJobCancelled, FieldJobID, s.ID, FieldReason, s.Outcome, FieldSuccessor, true, FieldAttempt, s.Attempt)
	}
	s.CancelSent = in.Now
	d.dirty = true
	d.actions = append(d.actions, Cancel{JobID: s.ID, Cluster: s.Cluster, Reason: s.Outcome})
	d.recheckIn(shortRecheck * 6)
}
