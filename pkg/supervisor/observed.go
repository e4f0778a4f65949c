package supervisor

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
)

// ObservedFile, in the state directory, holds when each run was last
// observed: the last pass in which Slurm answered everything that run
// needed. status prints its age beside every row, so that a stopped daemon
// or a Slurm outage shows as old information rather than as the truth.
//
// It is kept apart from state.json on purpose: a quiet pass changes no
// state and writes neither the journal nor the snapshot, but it does renew
// every run's observation.
const ObservedFile = "observed.json"

type observedFile struct {
	Runs map[string]time.Time `json:"runs"`
}

// noteObserved records that the run's information is fresh as of now.
func (s *Supervisor) noteObserved(run string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.observed == nil {
		s.observed = map[string]time.Time{}
	}
	s.observed[run] = now
}

// saveObserved writes ObservedFile. A failure costs only the freshness
// shown by status, so it is logged by the caller and the pass goes on.
func (s *Supervisor) saveObserved() error {
	if s.ledger == nil || s.dryRun {
		return nil
	}
	s.mu.Lock()
	f := observedFile{Runs: make(map[string]time.Time, len(s.observed))}
	for run, t := range s.observed {
		if _, configured := s.runs[run]; configured {
			f.Runs[run] = t
		}
	}
	s.mu.Unlock()
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(s.ledger.Dir(), ObservedFile), data, 0o600)
}

// LoadObserved reads when each run was last observed; runs never observed
// (or a daemon that never ran) are absent.
func LoadObserved(stateDir string) (map[string]time.Time, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, ObservedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]time.Time{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f observedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	if f.Runs == nil {
		f.Runs = map[string]time.Time{}
	}
	return f.Runs, nil
}
