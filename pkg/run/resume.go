package run

import (
	"errors"
	"fmt"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// Request is an operator's instruction to a running daemon (resume a run).
// The CLI writes it as a file in the state directory; the daemon applies it
// at the start of its next pass, so that the daemon stays the only writer
// of the state and the only submitter.
type Request struct {
	ID   string    `json:"id"`
	Kind string    `json:"kind"` // RequestResume, RequestPause, RequestUnpause
	Run  string    `json:"run"`
	At   time.Time `json:"at"`
	// Step, when set, is the step to resume from instead of the newest
	// complete one; 0 starts from scratch. It also takes the checkpoint
	// directory as it is when the run holds (decide_hold.go).
	Step *int `json:"step,omitempty"`
	// Force resumes even when the state says the run's job may be live:
	// for state the operator knows to be stale. Slurm is still asked, and
	// a job found live is followed again, never twinned.
	Force bool `json:"force,omitempty"`
}

// Request kinds.
const (
	// RequestResume asks for a resubmission of a run that is not running.
	RequestResume = "resume"
	// RequestPause asks the daemon to stop acting on a run: it is still
	// observed, its job left alone, nothing submitted.
	RequestPause = "pause"
	// RequestUnpause undoes RequestPause.
	RequestUnpause = "unpause"
)

// NewRequest is a request of this kind for run, made now, with an id no
// other request shares.
func NewRequest(kind, run string, now time.Time) Request {
	return Request{ID: fmt.Sprintf("%s-%s-%d", kind, run, now.UnixNano()), Kind: kind, Run: run, At: now}
}

func ResumeState(st RunState, spec RunSpec, r Request, now time.Time) (RunState, Event, error) {
	switch {
	case spec.Paused:
		return st, Event{}, fmt.Errorf("it is paused in the configuration (runs.%s.paused: true); remove that first", spec.Name)
	case st.Paused:
		return st, Event{}, fmt.Errorf("it is paused; first: nanosupervisord unpause %s", spec.Name)
	}
	switch st.Phase {
	case PhaseRunning, PhaseUnknown:
		if r.Force {
			break
		}
		fallthrough
	case PhaseSubmitting:
		job := "its job"
		if st.Job != nil {
			job = "job " + st.Job.ID
		}
		return st, Event{}, fmt.Errorf("%s may still be live (phase %s): nothing to resume", job, st.Phase)
	case PhaseDone:
		m := trainer.MetricsAtOrBefore(st.ValBPB, st.Core, st.NewestStep)
		if spec.Targets.Reached(m) {
			return st, Event{}, errors.New("its targets are reached; raise them in the configuration to train further")
		}
	}
	if st.Hold != nil && r.Step == nil {
		return st, Event{}, fmt.Errorf("it holds: %s. It carries on by itself once the checkpoints are back; to resume from what is there, give --step N (--step 0: from scratch)", st.Hold.Describe())
	}
	if st.Attempts >= spec.Policy.MaxAttempts {
		return st, Event{}, fmt.Errorf("its budget of %d attempts is spent; raise policy.max_attempts in the configuration", spec.Policy.MaxAttempts)
	}
	st = st.Clone()
	st.Phase, st.Reason = PhaseBackoff, ReasonOperatorResume
	st.BackoffUntil = now
	st.FailuresWithoutProgress, st.InfraFailures, st.SubmitFailures = 0, 0, 0
	st.Rejections, st.Rejection = 0, ""
	st.ResumeOverride = r.Step
	if r.Step != nil && *r.Step == 0 {
		// nanochat never saves step 0: it means a fresh start.
		fresh := NoStep
		st.ResumeOverride = &fresh
	}
	if st.Job != nil {
		st.Job.Handled = true
	}
	st.Updated = now
	kv := []any{FieldReason, ReasonOperatorResume}
	if r.Step != nil {
		kv = append(kv, FieldResumeStep, *r.Step)
	}
	return st, NewEvent(EventOperatorResume, spec.Name, kv...), nil
}
