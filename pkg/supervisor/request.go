package supervisor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

const requestDir = "requests"

// WriteRequest leaves r for the daemon in stateDir and returns its path.
func WriteRequest(stateDir string, r run.Request) (string, error) {
	path := RequestPath(stateDir, r.ID)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
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

// applyRequests applies the pending requests (WriteRequest), oldest first,
// leaving each outcome for the CLI (RequestResultPath).
func (s *Supervisor) applyRequests(now time.Time) {
	if s.Ledger == nil || s.DryRun {
		return
	}
	dir := filepath.Join(s.Ledger.Dir(), requestDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries { // sorted by name: oldest first
		name := e.Name()
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var r run.Request
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
func (s *Supervisor) Apply(now time.Time, r run.Request) error {
	switch r.Kind {
	case run.RequestResume, "":
		return s.Resume(now, r)
	case run.RequestPause, run.RequestUnpause:
		return s.setPaused(now, r)
	}
	return fmt.Errorf("unknown request kind %q", r.Kind)
}

// Resume applies an operator's resume request to a run: the run leaves
// stopped (or waiting), its failure counters are reset, and the next pass
// submits, from r.Step when given. A run with a job that may be live is
// refused: never two jobs.
func (s *Supervisor) Resume(now time.Time, r run.Request) error {
	rc, st, err := s.requested(r)
	if err != nil {
		return err
	}
	next, ev, err := run.ResumeState(st, rc.spec, r, now)
	if err != nil {
		return fmt.Errorf("run %s: %w", r.Run, err)
	}
	return s.commit(now, next, []run.Event{ev})
}

// requested is the configured run a request names, and its state.
func (s *Supervisor) requested(r run.Request) (runConfig, run.RunState, error) {
	s.mu.Lock()
	rc, ok := s.runs[r.Run]
	st, known := s.states[r.Run]
	s.mu.Unlock()
	if !ok {
		return rc, st, fmt.Errorf("no run %q in the configuration", r.Run)
	}
	if !known {
		st = run.NewRunState(r.Run)
	}
	return rc, st, nil
}

// setPaused applies pause or unpause. Pausing leaves the phase to the next
// pass (Decide), which observes the run but acts on nothing; a done or
// stopped run stays as it is. Unpausing a run that the configuration
// pauses is refused: it would change nothing.
func (s *Supervisor) setPaused(now time.Time, r run.Request) error {
	rc, st, err := s.requested(r)
	if err != nil {
		return err
	}
	pause := r.Kind == run.RequestPause
	if !pause && rc.spec.Paused {
		return fmt.Errorf("run %s: it is paused in the configuration (runs.%s.paused: true); remove that to unpause", r.Run, r.Run)
	}
	if st.Paused == pause {
		return nil
	}
	st = st.Clone()
	st.Paused = pause
	st.Updated = now
	name := run.EventOperatorUnpause
	if pause {
		name = run.EventOperatorPause
	}
	return s.commit(now, st, []run.Event{run.NewEvent(name, r.Run, run.FieldPhase, st.Phase)})
}
