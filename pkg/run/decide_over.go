package run

import (
	"cmp"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// trackJob keeps the record of a job the run does not act upon (the run
// is done, stopped or paused) true to sacct, so that status never shows a
// job as RUNNING that ended long ago. It reports whether sacct says the
// job has ended.
func (d *decider) trackJob() bool {
	j, row := d.next.Job, d.in.Slurm.Job
	if j == nil || j.Handled || row == nil || d.in.Slurm.SacctErr != nil {
		return false
	}
	d.updateJob(row)
	return row.State.Terminal()
}

// followLastJob follows the job of a run that is over (done or stopped)
// until the job ends too. Its end needs no decision; marking it handled
// stops the polling.
func (d *decider) followLastJob() {
	d.cancelSuccessor(d.next.Reason)
	if d.trackJob() {
		d.next.Job.Handled = true
		d.next.Job.Outcome = cmp.Or(d.next.Job.Outcome, d.next.Reason)
		return
	}
	// on_done: cancel gives the GPUs back instead of training on past the
	// goal; the checkpoint that reached the targets is complete already.
	if j := d.next.Job; d.in.Spec.CancelOnDone && d.next.Phase == PhaseDone && j != nil && !j.Handled {
		d.cancelJob(ReasonOnDoneCancel)
	}
}

// cancelRetry is how long a job cancelled on done may stay live before
// scancel is sent again (a lost request, a controller that was down).
const cancelRetry = 5 * time.Minute

// cancelJob sends scancel for the current job, said once with the evidence
// given, and again after cancelRetry while the job stays live.
func (d *decider) cancelJob(reason string, evidence ...any) {
	j := d.next.Job
	if !j.CancelSent.IsZero() && d.in.Now.Sub(j.CancelSent) < cancelRetry {
		return
	}
	if j.CancelSent.IsZero() {
		d.event(EventJobCancelled, append([]any{FieldJobID, j.ID, FieldReason, reason, FieldNewestStep, d.next.NewestStep}, evidence...)...)
	}
	j.CancelSent = d.in.Now
	j.CancelReason = reason
	d.dirty = true
	d.actions = append(d.actions, Cancel{JobID: j.ID, Cluster: j.Cluster, Reason: reason})
	d.recheckIn(shortRecheck * 6)
}

// recheckTargets keeps a run that reached its targets honest about targets
// changed since: raised beyond what was reached, the run stops (reason
// targets_raised) until the operator resumes it; lowered back, it is done
// again. Nothing is submitted either way: raising a target is not an
// order to spend GPU hours.
func (d *decider) recheckTargets() {
	st, t := &d.next, d.in.Spec.Targets
	if t.ValBPB == nil && t.CoreMetric == nil {
		return
	}
	m := trainer.MetricsAtOrBefore(st.ValBPB, st.Core, st.NewestStep)
	switch {
	case st.Phase == PhaseDone && st.Reason == ReasonTargetReached && !t.Reached(m):
		d.setPhase(PhaseStopped, ReasonTargetsRaised)
		d.actions = append(d.actions, Stop{Reason: ReasonTargetsRaised})
		d.event(EventRunStopped, FieldReason, ReasonTargetsRaised, FieldNewestStep, st.NewestStep, FieldMissing, t.Missing(m))
	case st.Phase == PhaseStopped && st.Reason == ReasonTargetsRaised:
		d.targetsReached()
	}
}
