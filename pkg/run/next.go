package run

import (
	"fmt"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// Next is what the daemon will do next for a run, in words. status, plan
// and resume --dry-run all say it through NextAction, so that they never
// disagree about the same state.
type Next struct {
	// Text is the action, for a person: "wait for the job", "resubmit in
	// 4m", "nothing: targets reached".
	Text string `json:"next"`
	// At is when it happens; zero means at the next pass (or never, for a
	// run that is over).
	At time.Time `json:"next_at,omitzero"`
	// ETA estimates when a running run reaches its targets (0: no
	// estimate).
	ETA time.Duration `json:"-"`
}

// NextAction says what the daemon does next for a run in state st, given
// the run's spec now in force (its targets and pause may have changed
// since st was decided). It reads the phase and its reason, never Slurm:
// plan passes it the state its dry pass decided, status the state the
// daemon last recorded.
func NextAction(st RunState, spec RunSpec, now time.Time) Next {
	m := trainer.MetricsAtOrBefore(st.ValBPB, st.Core, st.NewestStep)
	hasTargets := spec.Targets.ValBPB != nil || spec.Targets.CoreMetric != nil
	switch st.Phase {
	case PhaseDone:
		if hasTargets && !spec.Targets.Reached(m) {
			// The daemon's next pass stops the run for this reason
			// (recheckTargets); say so already.
			return stoppedNext(ReasonTargetsRaised, spec)
		}
		text := "nothing: targets reached"
		if st.Reason == ReasonTrainingFinished {
			text = "nothing: training finished"
		}
		if j := st.Job; j != nil && !j.Handled {
			// Its GPUs are still in use: say why.
			if spec.CancelOnDone {
				text += fmt.Sprintf("; cancelling job %s (on_done: cancel)", j.ID)
			} else {
				text += fmt.Sprintf("; job %s runs to its end (on_done: finish)", j.ID)
			}
		}
		return Next{Text: text}
	case PhaseStopped:
		return stoppedNext(st.Reason, spec)
	}
	switch {
	case st.Paused && !spec.Paused:
		return Next{Text: "nothing: paused; to go on: nanosupervisord unpause " + spec.Name}
	case spec.Paused || st.Paused || st.Phase == PhasePaused:
		return Next{Text: "nothing: paused"}
	}
	switch st.Phase {
	case PhaseBackoff:
		// The resubmission, unless something the last pass saw holds it.
		switch {
		case st.Reason == ReasonCheckpointSettling:
			return Next{Text: "wait: a checkpoint is being written; then resubmit"}
		case st.Reason == ReasonCheckpointError:
			return Next{Text: "wait: the checkpoint directory cannot be read; then resubmit"}
		case st.Attempts >= spec.Policy.MaxAttempts:
			return Next{Text: fmt.Sprintf("stop: the budget of %d attempts is spent", spec.Policy.MaxAttempts)}
		case st.BackoffUntil.After(now):
			return Next{Text: "resubmit in " + st.BackoffUntil.Sub(now).Round(time.Second).String(), At: st.BackoffUntil}
		}
		return Next{Text: "resubmit at the next pass"}
	case PhaseSubmitting:
		return Next{Text: "confirm submission"}
	case PhaseUnknown:
		return Next{Text: "retry Slurm"}
	case PhaseHeld:
		return Next{Text: "hold (" + st.Reason + "): nothing is submitted until the checkpoints are back"}
	case PhaseRunning:
		n := Next{Text: "wait for the job"}
		switch j := st.Job; {
		case st.Reason == ReasonJobMissing:
			n.Text = "wait: the job is in neither sacct nor squeue"
		case st.Reason == ReasonJobStalled && j != nil && spec.CancelOnStall:
			n.Text = fmt.Sprintf("cancel job %s, stalled, and resubmit (on_stall: cancel)", j.ID)
		case st.Reason == ReasonLastSave && j != nil:
			n.Text = fmt.Sprintf("cancel job %s after its last save that fits, and resubmit (time_limit: fit)", j.ID)
		case st.Reason == ReasonJobStalled && j != nil:
			n.Text = fmt.Sprintf("wait: job %s has stalled (on_stall: alert)", j.ID)
		case j != nil && j.PendingReason != "" && slurm.PendingStuck(j.PendingReason):
			n.Text = fmt.Sprintf("wait: job %s pends (%s) and will not start by itself", j.ID, j.PendingReason)
		case j != nil && j.PendingReason != "" && j.PendingReason != "None":
			n.Text = fmt.Sprintf("wait for the job (pending: %s)", j.PendingReason)
		}
		if s := st.Successor; s != nil && s.CancelSent.IsZero() {
			n.Text += fmt.Sprintf("; job %s queued behind it", s.ID)
		}
		n.ETA, _ = TargetsETA(st, spec.Targets, now)
		return n
	}
	switch st.Reason {
	case "", ReasonNoJob:
		return Next{Text: "wait for a job"}
	case ReasonNoCheckpoint:
		return Next{Text: "wait for a complete checkpoint (or start: submit)"}
	}
	return Next{Text: "wait for a job (" + st.Reason + ")"}
}

func stoppedNext(reason string, spec RunSpec) Next {
	return Next{Text: fmt.Sprintf("nothing until resumed (%s): nanosupervisord resume %s", reason, spec.Name)}
}
