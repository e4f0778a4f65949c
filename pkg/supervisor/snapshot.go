package supervisor

import (
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"go.uber.org/zap"
)

// The journal is the durable record of every decision: commit appends a
// run's events and state to it, fsynced, before anything is acted on. The
// snapshot (state.json) is the fast path at start-up, and writing it costs
// every run's state, so commits within a pass leave it to the end of the
// pass (a pass that changed a thousand runs wrote a thousand snapshots).
// After a crash in between, restore takes a run's journaled state when its
// sequence number is newer (RunState.NewerThan), however the clock moved.
// A commit outside a pass writes the snapshot at once.

// endPass writes the snapshot if a commit of the pass left it behind. A
// failure is logged: the journal holds the pass's decisions, and the next
// pass tries again.
func (s *Supervisor) endPass(now time.Time) {
	s.mu.Lock()
	s.inPass = false
	dirty := s.snapDirty
	s.mu.Unlock()
	if s.Ledger == nil || s.DryRun {
		return
	}
	if err := s.saveObserved(); err != nil {
		s.Logger.Error(run.EventRunError, zap.String(run.FieldReason, "save_observed"), zap.String(run.FieldError, err.Error()))
	}
	if !dirty {
		return
	}
	if err := s.saveSnapshot(now); err != nil {
		s.Logger.Error(run.EventRunError, zap.String(run.FieldReason, "save_state_snapshot"), zap.String(run.FieldError, err.Error()))
	}
}

// snapshotNow reports whether a commit, already journaled, must write the
// snapshot before it returns; if not, endPass will.
func (s *Supervisor) snapshotNow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.inPass {
		return true
	}
	s.snapDirty = true
	return false
}

// saveSnapshot writes every run's state to state.json. When the write
// fails, the next pass tries again.
func (s *Supervisor) saveSnapshot(now time.Time) error {
	s.mu.Lock()
	snap := snapshot{Version: snapshotVersion, Written: now, Runs: maps.Clone(s.states), SlurmDownSince: s.slurmDown,
		SlurmMissingSince: s.missing.since}
	s.snapDirty = false
	s.snapWrites++
	s.mu.Unlock()
	err := s.Ledger.SaveState(snap)
	if err != nil {
		s.mu.Lock()
		s.snapDirty = true
		s.mu.Unlock()
	}
	return err
}

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

// saveObserved writes ObservedFile. A failure costs only the freshness
// shown by status, so it is logged by the caller and the pass goes on.
func (s *Supervisor) saveObserved() error {
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
	return atomicfile.WriteFile(filepath.Join(s.Ledger.Dir(), ObservedFile), data, 0o600)
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
	f := observedFile{Runs: map[string]time.Time{}}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	return f.Runs, nil
}
