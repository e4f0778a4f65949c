package run

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// adoptLookback is how far back an ended job is looked for when a run
// with start: adopt has no job yet.
const adoptLookback = 72 * time.Hour

// Needs says whether a run needs squeue in this pass, given the sacct row
// of its job (nil: none), and from when it needs a windowed sacct (zero:
// not at all). squeue is skipped while every
// job is plainly running, so a quiet pass costs one sacct call per cluster.
func Needs(spec RunSpec, st RunState, row *slurm.Job, now time.Time) (queue bool, since time.Time) {
	if st.isSuccessorIntent() {
		return true, st.Intent.At.Add(-time.Minute)
	}
	if spec.Paused || st.Paused || st.Phase.Terminal() {
		// A successor being cancelled is followed in squeue until gone.
		return st.Successor != nil, time.Time{}
	}
	if st.Intent != nil {
		return true, st.Intent.At.Add(-time.Minute)
	}
	j := st.Job
	switch {
	case j == nil:
		if spec.Start == StartAdopt && st.Reason != ReasonOperatorResume {
			return true, now.Add(-adoptLookback)
		}
		return true, time.Time{}
	case j.Handled && st.Reason == ReasonOperatorResume:
		return true, time.Time{}
	case j.Handled:
		// Backing off or about to submit: squeue rules out a twin.
		return !now.Before(st.BackoffUntil), time.Time{}
	}
	ok := row != nil
	// A pending job's reason is squeue's (sacct says "None"). A run that
	// queues ahead rules out a twin in squeue before queueing, and follows
	// a successor it cancelled (a hold) until squeue lets it go.
	queueing := spec.QueueAhead && st.Successor == nil && ok && !row.State.Terminal()
	cancelling := st.Successor != nil && !st.Successor.CancelSent.IsZero()
	return !ok || row.State.Terminal() || row.State.Name == slurm.StatePending || queueing || cancelling, time.Time{}
}
