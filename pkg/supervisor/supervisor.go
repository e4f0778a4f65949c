package supervisor

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// Options wires a Supervisor. Slurm, Config and Logger are required.
type Options struct {
	Config *config.Config
	Slurm  SlurmAPI
	Logger *zap.Logger
	// Ledger persists decisions; nil runs without memory (plan).
	Ledger *ledger.Ledger
	// DryRun decides but never submits and never writes (the plan verb).
	DryRun bool
	// Now and Rand are injected for tests; defaults are the real clock and
	// a randomly seeded source.
	Now  func() time.Time
	Rand *rand.Rand
	// UID is the daemon's user id (default os.Getuid()).
	UID string
	// OnEvent, if set, is called with every event after it is logged
	// (notifications). It must not block.
	OnEvent func(run string, e Event)
}

// Supervisor runs the reconcile passes. Tick and Reload may be called from
// different goroutines; passes never overlap.
type Supervisor struct {
	slurm  SlurmAPI
	log    *zap.Logger
	ledger *ledger.Ledger
	dryRun bool
	now    func() time.Time
	uid    string
	onEv   func(run string, e Event)

	pass sync.Mutex // one pass at a time

	mu        sync.Mutex // guards everything below
	cfg       *config.Config
	runs      map[string]runConfig
	states    map[string]RunState
	rnd       *rand.Rand
	slurmDown time.Time
	logs      logCache
	ckpts     ckptCache
	// overrunAfter overrides passBudget (tests).
	overrunAfter time.Duration

	// Snapshot bookkeeping (snapshot.go): inPass while a pass runs,
	// snapDirty when a commit left state.json behind the journal, snapped
	// each run's Updated in state.json as last written or read, snapWrites
	// how many times state.json was written (for tests).
	inPass     bool
	snapDirty  bool
	snapped    map[string]time.Time
	snapWrites int
}

// New builds a Supervisor and restores the state of earlier lives from the
// ledger: the snapshot, or the journal when the snapshot is unreadable.
func New(opt Options) (*Supervisor, error) {
	runs, err := buildRuns(opt.Config)
	if err != nil {
		return nil, err
	}
	s := &Supervisor{
		slurm: opt.Slurm, log: opt.Logger, ledger: opt.Ledger, dryRun: opt.DryRun,
		now: opt.Now, rnd: opt.Rand, uid: opt.UID, onEv: opt.OnEvent,
		cfg: opt.Config, runs: runs, states: map[string]RunState{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rnd == nil {
		s.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if s.uid == "" {
		s.uid = strconv.Itoa(os.Getuid())
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if err := s.restore(opt.Config.StateDir); err != nil {
		return nil, err
	}
	return s, nil
}

// snapshot is the state file's content.
type snapshot struct {
	Version int                 `json:"version"`
	Written time.Time           `json:"written"`
	Runs    map[string]RunState `json:"runs"`
	// SlurmDownSince is when Slurm stopped answering (zero: it answers),
	// so that one-shot ticks log the outage once each way too.
	SlurmDownSince time.Time `json:"slurm_down_since,omitzero"`
}

const snapshotVersion = 1

func (s *Supervisor) restore(dir string) error {
	var snap snapshot
	found, err := ledger.LoadState(dir, &snap)
	if err == nil && found {
		if snap.Version > snapshotVersion {
			return fmt.Errorf("state %s: version %d is newer than this nanosupervisord understands (%d)", dir, snap.Version, snapshotVersion)
		}
		s.snapped = make(map[string]time.Time, len(snap.Runs))
		for name, st := range snap.Runs {
			s.states[name] = st
			s.snapped[name] = st.Updated
		}
		s.slurmDown = snap.SlurmDownSince
		// State taken from the journal goes into state.json at the end of
		// the first pass, even if that pass changes nothing.
		s.snapDirty = s.preferNewerJournal(dir)
		return nil
	}
	if err != nil {
		s.log.Warn("state_unreadable", zap.String("dir", dir), zap.Error(err))
	}
	// No usable snapshot: rebuild from the journal's newest state per run.
	last, problems, jerr := ledger.LastStates(dir)
	if jerr != nil {
		return fmt.Errorf("rebuild state from journal in %s: %w", dir, jerr)
	}
	for _, p := range problems {
		s.log.Warn("journal_problem", zap.Int("line", p.Line), zap.String(FieldError, p.Err))
	}
	for name, raw := range last {
		var st RunState
		if err := json.Unmarshal(raw, &st); err != nil {
			s.log.Warn("journal_problem", zap.String(FieldRun, name), zap.Error(err))
			continue
		}
		s.states[name] = st
	}
	if len(last) > 0 {
		s.snapDirty = true
		s.log.Info("state_rebuilt_from_journal", zap.Int("runs", len(last)))
	}
	return nil
}

// States returns a copy of every run's state, by name.
func (s *Supervisor) States() map[string]RunState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]RunState, len(s.states))
	for k, v := range s.states {
		out[k] = v.Clone()
	}
	return out
}

// Config returns the configuration in force.
func (s *Supervisor) Config() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// Reload swaps in a new configuration between passes. A configuration whose
// runs cannot be derived (unreadable script, clashing job names) is
// rejected and the old one stays.
func (s *Supervisor) Reload(cfg *config.Config) error {
	runs, err := buildRuns(cfg)
	if err != nil {
		s.log.Warn(EventConfigRejected, zap.String("path", cfg.Path), zap.String(FieldError, err.Error()))
		return err
	}
	s.mu.Lock()
	old := s.cfg
	s.cfg, s.runs = cfg, runs
	s.mu.Unlock()
	added, removed, changed := cfg.Diff(old)
	s.log.Info(EventConfigReloaded, zap.String("path", cfg.Path),
		zap.Strings("added", added), zap.Strings("removed", removed), zap.Strings("changed", changed))
	return nil
}

// PollInterval is the configured poll interval.
func (s *Supervisor) PollInterval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.PollInterval
}

// ReloadFile loads the configuration at path and swaps it in if it is valid
// and differs from the one in force. A file with problems is rejected as a
// whole (config_rejected, every problem listed) and the running
// configuration stays. It reports whether the configuration changed.
func (s *Supervisor) ReloadFile(path, trigger string) (bool, error) {
	cfg, err := config.Load(path)
	if err != nil {
		s.log.Warn(EventConfigRejected, zap.String("path", path), zap.String("trigger", trigger), zap.String(FieldError, err.Error()))
		return false, err
	}
	if cfg.Equal(s.Config()) {
		return false, nil
	}
	if err := s.Reload(cfg); err != nil {
		return false, err
	}
	return true, nil
}

// preferNewerJournal replaces a run's restored state by the journal's when
// the journal's is newer: the journal is appended first and the snapshot
// written at the end of the pass, so a crash in between leaves the
// snapshot behind by the pass's decisions (snapshot.go).
//
// It reports whether any run's state came from the journal.
func (s *Supervisor) preferNewerJournal(dir string) bool {
	last, _, err := ledger.LastStates(dir)
	if err != nil {
		return false
	}
	replaced := false
	for name, raw := range last {
		var st RunState
		if json.Unmarshal(raw, &st) != nil {
			continue
		}
		if cur, ok := s.states[name]; !ok || st.Updated.After(cur.Updated) {
			s.states[name] = st
			replaced = true
		}
	}
	return replaced
}
