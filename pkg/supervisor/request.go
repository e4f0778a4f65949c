package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"

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

const requestDir = "requests"

// NewRequest is a request of this kind for run, made now, with an id no
// other request shares.
func NewRequest(kind, run string, now time.Time) Request {
	return Request{ID: fmt.Sprintf("%s-%s-%d", kind, run, now.UnixNano()), Kind: kind, Run: run, At: now}
}

// WriteRequest leaves r for the daemon in stateDir and returns its path.
func WriteRequest(stateDir string, r Request) (string, error) {
	dir := filepath.Join(stateDir, requestDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.ID+".json")
	return path, atomicfile.WriteFile(path, data, 0o600)
}

// RequestPath is where a request with this id is (while not yet applied).
func RequestPath(stateDir, id string) string {
	return filepath.Join(stateDir, requestDir, id+".json")
}

// RequestResultPath is where the daemon leaves the outcome of a request.
func RequestResultPath(stateDir, id string) string {
	return filepath.Join(stateDir, requestDir, id+".result")
}

// applyRequests applies every pending request, oldest first, records the
// outcome next to it for the CLI, and removes the request.
func (s *Supervisor) applyRequests(now time.Time) {
	if s.ledger == nil || s.dryRun {
		return
	}
	dir := filepath.Join(s.ledger.Dir(), requestDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var r Request
		outcome := "ok"
		if err := json.Unmarshal(data, &r); err != nil {
			outcome = fmt.Sprintf("error: unreadable request %s: %v", name, err)
		} else if err := s.Apply(now, r); err != nil {
			outcome = "error: " + err.Error()
		}
		os.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".json")+".result"), []byte(outcome+"\n"), 0o600)
		os.Remove(path)
	}
}

// Apply applies an operator's request of any kind.
func (s *Supervisor) Apply(now time.Time, r Request) error {
	switch r.Kind {
	case RequestResume, "":
		return s.Resume(now, r)
	case RequestPause, RequestUnpause:
		return s.setPaused(now, r)
	}
	return fmt.Errorf("unknown request kind %q", r.Kind)
}

// Resume applies an operator's resume request to a run: the run leaves
// stopped (or waiting), its failure counters are reset, and the next pass
// submits, from r.Step when given. A run with a job that may be live is
// refused: never two jobs.
func (s *Supervisor) Resume(now time.Time, r Request) error {
	rc, st, err := s.requested(r)
	if err != nil {
		return err
	}
	next, ev, err := resumeState(st, rc.spec, r, now)
	if err != nil {
		return fmt.Errorf("run %s: %w", r.Run, err)
	}
	return s.commit(now, next, []Event{ev})
}

// requested is the configured run a request names, and its state.
func (s *Supervisor) requested(r Request) (runConfig, RunState, error) {
	s.mu.Lock()
	rc, ok := s.runs[r.Run]
	st, known := s.states[r.Run]
	s.mu.Unlock()
	if !ok {
		return rc, st, fmt.Errorf("no run %q in the configuration", r.Run)
	}
	if !known {
		st = NewRunState(r.Run)
	}
	return rc, st, nil
}

func resumeState(st RunState, spec RunSpec, r Request, now time.Time) (RunState, Event, error) {
	if err := pausedError(st, spec); err != nil {
		return st, Event{}, err
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
	return st, newEvent(EventOperatorResume, spec.Name, kv...), nil
}

// pausedError says why a paused run cannot be resumed, and how to unpause.
func pausedError(st RunState, spec RunSpec) error {
	switch {
	case spec.Paused:
		return fmt.Errorf("it is paused in the configuration (runs.%s.paused: true); remove that first", spec.Name)
	case st.Paused:
		return fmt.Errorf("it is paused; first: nanosupervisord unpause %s", spec.Name)
	}
	return nil
}

// setPaused applies pause or unpause. Pausing leaves the phase to the next
// pass (Decide), which observes the run but acts on nothing; a done or
// stopped run stays as it is. Unpausing a run that the configuration
// pauses is refused: it would change nothing.
func (s *Supervisor) setPaused(now time.Time, r Request) error {
	rc, st, err := s.requested(r)
	if err != nil {
		return err
	}
	pause := r.Kind == RequestPause
	if !pause && rc.spec.Paused {
		return fmt.Errorf("run %s: it is paused in the configuration (runs.%s.paused: true); remove that to unpause", r.Run, r.Run)
	}
	if st.Paused == pause {
		return nil
	}
	st = st.Clone()
	st.Paused = pause
	st.Updated = now
	name := EventOperatorUnpause
	if pause {
		name = EventOperatorPause
	}
	return s.commit(now, st, []Event{newEvent(name, r.Run, FieldPhase, st.Phase)})
}
