package run

import (
	"fmt"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// CheckpointHold says why a run holds: its checkpoint directory is missing
// or unreadable, or its newest complete step is older than one the run
// already had. Resubmitting then would start from scratch, or from an older
// step, into the same directory: a deleted directory, an unmounted
// filesystem or a network filesystem's blip would throw away up to a day of
// GPU time. The run submits nothing and judges no job's end until the
// checkpoints are back, and then carries on by itself; only an operator's
// resume with an explicit step (0: from scratch) takes the directory as it
// is.
type CheckpointHold struct {
	// Reason is ReasonCheckpointDirMissing, ReasonCheckpointError or
	// ReasonCheckpointRegressed.
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
	// Known is the newest step the run had; Found the newest complete step
	// in the directory now (NoStep: none).
	Known int    `json:"known_step"`
	Found int    `json:"found_step"`
	Error string `json:"error,omitempty"`
}

// Describe says in words why the run holds.
func (h *CheckpointHold) Describe() string {
	switch h.Reason {
	case ReasonCheckpointDirMissing:
		return fmt.Sprintf("checkpoint directory missing (the run had step %d)", h.Known)
	case ReasonCheckpointRegressed:
		found := "no complete step left"
		if h.Found != NoStep {
			found = fmt.Sprintf("newest complete step %d", h.Found)
		}
		return fmt.Sprintf("%s, but the run had step %d", found, h.Known)
	}
	return "checkpoint directory unreadable: " + h.Error
}

// knownStep is the newest step the run is known to have had: the newest
// complete step seen, or the step its current job resumed from while that
// job's end is not judged yet (for an adopted job, as its log says).
func (d *decider) knownStep() int {
	known := d.next.NewestStep
	if j := d.next.Job; j != nil && !j.Handled {
		resume := j.ResumeStep
		if s := d.in.Log.Summary; resume == UnknownStep && s != nil {
			resume = s.ResumedFrom
		}
		known = max(known, resume)
	}
	return known
}

// checkpointHold is the hold this pass's view of the checkpoints calls
// for; nil when there is none.
func (d *decider) checkpointHold() *CheckpointHold {
	c, known := d.in.Ckpt, d.knownStep()
	h := &CheckpointHold{Known: known, Found: c.Newest}
	switch {
	case c.Err != nil:
		h.Reason, h.Error = ReasonCheckpointError, c.Err.Error()
	case known == NoStep:
		// Never had a checkpoint: a missing directory is one the trainer
		// has yet to create.
		return nil
	case c.Missing:
		h.Reason = ReasonCheckpointDirMissing
	case c.Newest < known:
		h.Reason = ReasonCheckpointRegressed
	default:
		return nil
	}
	return h
}

// observeHold starts, keeps or ends the run's hold. Each episode is logged
// once when it begins and once when it ends, not on every pass. While a
// step is being written the view says nothing new: a job that resumed from
// an older step rewrites the newer ones in place.
func (d *decider) observeHold() {
	if d.in.Ckpt.Settling {
		return
	}
	h, prev := d.checkpointHold(), d.next.Hold
	switch {
	case h == nil && prev == nil:
	case h == nil:
		d.next.Hold = nil
		d.event(EventCheckpointHoldReleased, FieldReason, prev.Reason, FieldKnownStep, prev.Known,
			FieldNewestStep, d.in.Ckpt.Newest, "held_for", d.in.Now.Sub(prev.Since).Round(time.Second).String())
	case prev != nil && prev.Reason == h.Reason:
		h.Since = prev.Since
		d.next.Hold = h
	default:
		h.Since = d.in.Now
		d.next.Hold = h
		name := EventCheckpointDirMissing
		if h.Reason == ReasonCheckpointRegressed {
			name = EventCheckpointRegressed
		}
		d.event(name, FieldReason, h.Reason, FieldKnownStep, h.Known, FieldNewestStep, h.Found, FieldError, nonEmpty(h.Error))
	}
}

// held holds the run, instead of judging its job's end or submitting,
// while its checkpoints cannot be trusted. An operator's resume with an
// explicit step is the user saying otherwise: the directory is taken as it
// is.
func (d *decider) held() bool {
	h := d.next.Hold
	if h == nil {
		return false
	}
	if d.next.Reason == ReasonOperatorResume && d.next.ResumeOverride != nil {
		d.acceptCheckpoints(h)
		return false
	}
	d.wait(PhaseHeld, h.Reason, 0)
	return true
}

// acceptCheckpoints makes what the directory holds now the run's truth.
// Evaluations after its newest step belong to checkpoints that are gone,
// and steps after it may be torn anew.
func (d *decider) acceptCheckpoints(h *CheckpointHold) {
	newest, st := d.in.Ckpt.Newest, &d.next
	st.NewestStep = newest
	after := func(p trainer.Point) bool { return p.Step > newest }
	st.ValBPB = slices.DeleteFunc(st.ValBPB, after)
	st.Core = slices.DeleteFunc(st.Core, after)
	st.ReportedIncomplete = min(st.ReportedIncomplete, max(newest, 0))
	st.Hold = nil
	d.event(EventCheckpointHoldReleased, FieldReason, ReasonOperatorResume, FieldKnownStep, h.Known, FieldNewestStep, newest)
}
