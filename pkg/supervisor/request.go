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
	Kind string    `json:"kind"` // RequestResume
	Run  string    `json:"run"`
	At   time.Time `json:"at"`
	// Step, when set, is the step to resume from instead of the newest
	// complete one.
	Step *int `json:"step,omitempty"`
	// Force resumes even when the state says the run's job may be live:
	// for state the operator knows to be stale. Slurm is still asked, and
	// a job found live is followed again, never twinned.
	Force bool `json:"force,omitempty"`
}

// RequestResume asks for a resubmission of a run that is not running.
const RequestResume = "resume"

const requestDir = "requests"

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
		} else if err := s.Resume(now, r); err != nil {
			outcome = "error: " + err.Error()
		}
		os.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".json")+".result"), []byte(outcome+"\n"), 0o600)
		os.Remove(path)
	}
}

// Resume applies an operator's resume request to a run: the run leaves
// stopped (or waiting), its failure counters are reset, and the next pass
// submits, from r.Step when given. A run with a job that may be live is
// refused: never two jobs.
func (s *Supervisor) Resume(now time.Time, r Request) error {
	s.mu.Lock()
	rc, ok := s.runs[r.Run]
	st, known := s.states[r.Run]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no run %q in the configuration", r.Run)
	}
	if !known {
		st = NewRunState(r.Run)
	}
	next, ev, err := resumeState(st, rc.spec, r, now)
	if err != nil {
		return fmt.Errorf("run %s: %w", r.Run, err)
	}
	return s.commit(now, next, []Event{ev})
}

func resumeState(st RunState, spec RunSpec, r Request, now time.Time) (RunState, Event, error) {
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
	if st.Attempts >= spec.Policy.MaxAttempts {
		return st, Event{}, fmt.Errorf("its budget of %d attempts is spent; raise policy.max_attempts in the configuration", spec.Policy.MaxAttempts)
	}
	st = st.Clone()
	st.Phase, st.Reason = PhaseBackoff, ReasonOperatorResume
	st.BackoffUntil = now
	st.FailuresWithoutProgress, st.InfraFailures, st.SubmitFailures = 0, 0, 0
	st.Rejections, st.Rejection = 0, ""
	st.ResumeOverride = r.Step
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
