package run

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// AfterSbatch folds sbatch's answer into the state. A job id ends the
// intent. An error after which the job may exist keeps the intent, to be
// resolved by looking for the tag; any other error gives the attempt back
// and backs off.
func AfterSbatch(st RunState, spec RunSpec, sub Submit, job slurm.JobRef, err error, now time.Time, r float64) (RunState, []Event) {
	if sub.After != "" {
		return afterSuccessorSbatch(st, spec, sub, job, err, now, r)
	}
	name := spec.Name
	st.Updated = now
	prev := jobID(st.Job)
	switch {
	case err == nil:
		if st.Job != nil {
			st.archive(*st.Job)
		}
		st.Job = &JobRecord{ID: job.ID, Cluster: job.Cluster, Attempt: sub.Attempt, ResumeStep: sub.FromStep, Tag: sub.Tag, Submitted: now, Name: spec.JobName,
			FittedLimit: sub.TimeLimit}
		st.Intent = nil
		st.SubmitFailures = 0
		st.Rejections, st.Rejection = 0, ""
		st.Phase = PhaseRunning
		var hints, limit any // left out unless set
		if n := len(st.History); prev != nil && n > 0 && len(st.History[n-1].Hints) > 0 {
			hints = st.History[n-1].Hints
		}
		if sub.TimeLimit > 0 {
			limit = sub.TimeLimit.String() // time_limit: fit
		}
		return st, []Event{NewEvent(EventJobResubmitted, name, FieldJobID, prev, FieldNewJobID, job.ID, FieldCluster, nonEmpty(job.Cluster),
			FieldAttempt, sub.Attempt, FieldResumeStep, sub.FromStep, FieldReason, st.Reason, FieldHints, hints,
			FieldTimeLimit, limit, FieldExclude, nonEmpty(sub.Exclude))}
	case sub.Exclude != "" && slurm.NodesUnavailable(err):
		// The bad nodes were all the nodes there are (a one-node
		// partition): a job excluding them could never start. Forget them
		// and submit again at once, without --exclude.
		st.Intent = nil
		st.Attempts = max(0, st.Attempts-1)
		st.BadNodes = nil
		st.BackoffUntil = now
		st.Phase, st.Reason = PhaseBackoff, ReasonExcludeUnsatisfiable
		if st.Job != nil {
			st.Job.Handled = true
		}
		return st, []Event{NewEvent(EventResubmitFailed, name, FieldJobID, prev, FieldAttempt, sub.Attempt,
			FieldReason, ReasonExcludeUnsatisfiable, FieldExclude, sub.Exclude, FieldError, err.Error())}
	case slurm.SubmitMayHaveCreatedJob(err):
		st.Reason = ReasonSbatchAmbiguous
		return st, []Event{NewEvent(EventResubmitFailed, name, FieldJobID, prev, FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchAmbiguous, FieldError, err.Error(), FieldTag, sub.Tag)}
	default:
		delay := giveBack(&st, spec, now, r)
		st.Phase, st.Reason = PhaseBackoff, ReasonSbatchFailed
		if st.Job != nil {
			// The ended job stays the current one; its end is handled.
			st.Job.Handled = true
		}
		events := []Event{NewEvent(EventResubmitFailed, name, FieldJobID, prev, FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchFailed, FieldError, err.Error(), FieldDelay, delay.String(), FieldUntil, st.BackoffUntil)}
		return noteRejection(st, name, err, events)
	}
}

// MaxRejections is how many identical permanent refusals by sbatch in a
// row stop a run. One could be a passing misconfiguration of the site
// (a partition being renamed); three with the same words will not go away
// by themselves, and retrying for ever only fills the log.
const MaxRejections = 3

// noteRejection counts sbatch's permanent refusals with the same words
// (Invalid account, partition or QOS, an unreadable script, a job that
// violates limits) and stops the run at MaxRejections, with Slurm's words
// as evidence: the user must fix the configuration or the script, then
// resume the run. Transient failures keep backing off and leave the count
// alone.
func noteRejection(st RunState, name string, err error, events []Event) (RunState, []Event) {
	evidence, ok := slurm.Rejection(err)
	if !ok {
		return st, events
	}
	if evidence == st.Rejection {
		st.Rejections++
	} else {
		st.Rejections, st.Rejection = 1, evidence
	}
	if st.Rejections < MaxRejections {
		return st, events
	}
	st.Phase, st.Reason = PhaseStopped, ReasonSbatchRejected
	st.BackoffUntil = time.Time{}
	return st, append(events,
		NewEvent(EventSbatchRejected, name, FieldReason, ReasonSbatchRejected, FieldError, evidence, "times", st.Rejections),
		NewEvent(EventRunStopped, name, FieldReason, ReasonSbatchRejected, FieldError, evidence))
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// afterSuccessorSbatch folds sbatch's answer for a queued successor into
// the state. The run's own job is not touched: it is still running. A job
// id makes the successor known; an error after which the job may exist
// keeps the intent, to be resolved by its tag; any other error gives the
// attempt back and holds further tries off by the backoff.
func afterSuccessorSbatch(st RunState, spec RunSpec, sub Submit, job slurm.JobRef, err error, now time.Time, r float64) (RunState, []Event) {
	name := spec.Name
	st.Updated = now
	switch {
	case err == nil:
		st.Successor = &JobRecord{ID: job.ID, Cluster: job.Cluster, Attempt: sub.Attempt, ResumeStep: UnknownStep, Tag: sub.Tag,
			Submitted: now, Name: spec.JobName}
		st.Intent = nil
		st.SubmitFailures = 0
		return st, []Event{NewEvent(EventJobQueued, name, FieldJobID, sub.After, FieldNewJobID, job.ID, FieldCluster, nonEmpty(job.Cluster),
			FieldAttempt, sub.Attempt, FieldTag, sub.Tag, FieldReason, ReasonQueueAhead)}
	case slurm.SubmitMayHaveCreatedJob(err):
		return st, []Event{NewEvent(EventResubmitFailed, name, FieldJobID, sub.After, FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchAmbiguous, FieldError, err.Error(), FieldTag, sub.Tag, FieldSuccessor, true)}
	default:
		delay := giveBack(&st, spec, now, r)
		return st, []Event{NewEvent(EventResubmitFailed, name, FieldJobID, sub.After, FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchFailed, FieldError, err.Error(), FieldDelay, delay.String(), FieldUntil, st.BackoffUntil,
			FieldSuccessor, true)}
	}
}

// giveBack undoes a submission that sbatch refused for sure: the intent
// ends, the attempt is given back, and the next try waits out a backoff
// that grows with the refusals in a row. It returns that backoff.
func giveBack(st *RunState, spec RunSpec, now time.Time, r float64) time.Duration {
	st.Intent = nil
	st.Attempts = max(0, st.Attempts-1)
	st.SubmitFailures++
	delay := BackoffDelay(spec.Policy.Backoff, spec.Policy.MaxBackoff, st.SubmitFailures, r)
	st.BackoffUntil = now.Add(delay)
	return delay
}
