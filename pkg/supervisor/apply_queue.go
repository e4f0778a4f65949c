package supervisor

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// afterSuccessorSbatch folds sbatch's answer for a queued successor into
// the state. The run's own job is not touched: it is still running. A job
// id makes the successor known; an error after which the job may exist
// keeps the intent, to be resolved by its tag; any other error gives the
// attempt back and holds further tries off by the backoff.
func afterSuccessorSbatch(st RunState, rc runConfig, sub Submit, job slurm.JobRef, err error, now time.Time, r float64) (RunState, []Event) {
	name := rc.spec.Name
	st.Updated = now
	switch {
	case err == nil:
		st.Successor = &JobRecord{ID: job.ID, Cluster: job.Cluster, Attempt: sub.Attempt, ResumeStep: UnknownStep, Tag: sub.Tag,
			Submitted: now, Name: rc.spec.JobName}
		st.Intent = nil
		st.SubmitFailures = 0
		return st, []Event{newEvent(EventJobQueued, name, FieldJobID, sub.After, FieldNewJobID, job.ID, FieldCluster, nonEmpty(job.Cluster),
			FieldAttempt, sub.Attempt, FieldTag, sub.Tag, FieldReason, ReasonQueueAhead)}
	case slurm.SubmitMayHaveCreatedJob(err):
		return st, []Event{newEvent(EventResubmitFailed, name, FieldJobID, sub.After, FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchAmbiguous, FieldError, err.Error(), FieldTag, sub.Tag, FieldSuccessor, true)}
	default:
		delay := giveBack(&st, rc, now, r)
		return st, []Event{newEvent(EventResubmitFailed, name, FieldJobID, sub.After, FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchFailed, FieldError, err.Error(), FieldDelay, delay.String(), FieldUntil, st.BackoffUntil,
			FieldSuccessor, true)}
	}
}

// giveBack undoes a submission that sbatch refused for sure: the intent
// ends, the attempt is given back, and the next try waits out a backoff
// that grows with the refusals in a row. It returns that backoff.
func giveBack(st *RunState, rc runConfig, now time.Time, r float64) time.Duration {
	st.Intent = nil
	st.Attempts = max(0, st.Attempts-1)
	st.SubmitFailures++
	delay := backoffDelay(rc.spec.Policy.Backoff, rc.spec.Policy.MaxBackoff, st.SubmitFailures, r)
	st.BackoffUntil = now.Add(delay)
	return delay
}
