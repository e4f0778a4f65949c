package run

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// AfterSbatch folds sbatch's answer into the state. A job id ends the
// intent: it becomes the run's job, or for a queued successor (sub.After
// set) the successor, while the run's own job goes on. An error after
// which the job may exist keeps the intent, to be resolved by looking for
// the tag; any other error gives the attempt back and backs off.
func AfterSbatch(st RunState, spec RunSpec, sub Submit, job slurm.JobRef, err error, now time.Time, r float64) (RunState, []Event) {
	name, successor := spec.Name, sub.After != ""
	st.Updated = now
	prev := jobID(st.Job)
	if successor {
		prev = sub.After
	}
	failed := func(reason string, kv ...any) []Event {
		kv = append([]any{FieldJobID, prev, FieldAttempt, sub.Attempt, FieldReason, reason, FieldError, err.Error()}, kv...)
		if successor {
			kv = append(kv, FieldSuccessor, true)
		}
		return []Event{NewEvent(EventResubmitFailed, name, kv...)}
	}
	switch {
	case err == nil:
		rec := &JobRecord{ID: job.ID, Cluster: job.Cluster, Attempt: sub.Attempt, ResumeStep: sub.FromStep, Tag: sub.Tag, Submitted: now, Name: spec.JobName,
			FittedLimit: sub.TimeLimit}
		st.Intent = nil
		st.SubmitFailures = 0
		if successor {
			st.Successor = rec
			return st, []Event{NewEvent(EventJobQueued, name, FieldJobID, sub.After, FieldNewJobID, job.ID, FieldCluster, nonEmpty(job.Cluster),
				FieldAttempt, sub.Attempt, FieldTag, sub.Tag, FieldReason, ReasonQueueAhead)}
		}
		if st.Job != nil {
			st.archive(*st.Job)
		}
		st.Job = rec
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
		return st, failed(ReasonExcludeUnsatisfiable, FieldExclude, sub.Exclude)
	case slurm.SubmitMayHaveCreatedJob(err):
		if !successor {
			st.Reason = ReasonSbatchAmbiguous
		}
		return st, failed(ReasonSbatchAmbiguous, FieldTag, sub.Tag)
	}
	// Refused for sure: the intent ends, the attempt is given back, and the
	// next try waits out a backoff that grows with the refusals in a row.
	st.Intent = nil
	st.Attempts = max(0, st.Attempts-1)
	st.SubmitFailures++
	delay := BackoffDelay(spec.Policy.Backoff, spec.Policy.MaxBackoff, st.SubmitFailures, r)
	st.BackoffUntil = now.Add(delay)
	events := failed(ReasonSbatchFailed, FieldDelay, delay.String(), FieldUntil, st.BackoffUntil)
	if successor {
		return st, events
	}
	st.Phase, st.Reason = PhaseBackoff, ReasonSbatchFailed
	if st.Job != nil {
		// The ended job stays the current one; its end is handled.
		st.Job.Handled = true
	}
	return noteRejection(st, name, err, events)
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
