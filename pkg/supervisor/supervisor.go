package supervisor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/quota"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
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
	// Now and Rand default to the real clock and a randomly seeded source.
	Now  func() time.Time
	Rand *rand.Rand
	// UID is the daemon's user id (default os.Getuid()).
	UID string
	// OnEvent, if set, is called with every event after it is logged
	// (notifications). It must not block.
	OnEvent func(run string, e run.Event)
	// Fence, if set, is asked before every sbatch whether this instance
	// holds the state directory's lease until at least the given time
	// (lease.Lease.HoldUntil); on an error nothing is submitted.
	Fence func(until time.Time) error
	// SlurmFor, if set, builds the Slurm client for a configuration's
	// slurm section; Reload then swaps the client when that section
	// changes (a user setting slurm.bin_dir after slurm_missing).
	SlurmFor func(config.Slurm) SlurmAPI
	// StripJobEnv removes the SLURM_* and SBATCH_* variables the daemon
	// inherited (slurm.JobEnv) from sbatch's environment: set when it runs
	// inside a Slurm job (tick under scrontab), whose id, name and limits
	// must not leak into the jobs it submits.
	StripJobEnv bool
}

// Supervisor runs the reconcile passes. Tick and Reload may be called from
// different goroutines; passes never overlap.
type Supervisor struct {
	// Options as given to New, defaults filled in. Reload swaps Config and
	// Slurm under mu; the rest never changes. Rand is drawn from only in
	// passes, which never overlap.
	Options

	pass        sync.Mutex           // one pass at a time; only passes use the fields up to mu
	skippedRows map[string]bool      // the unreadable Slurm rows already logged
	observed    map[string]time.Time // when each run was last observed

	mu        sync.Mutex // guards everything below, Config and Slurm
	runs      map[string]runConfig
	states    map[string]run.RunState
	slurmDown time.Time
	missing   slurmMissing
	logs      logCache
	ckpts     ckpt.Cache
	quotas    map[string]quotaEntry // storage.quota_command answers
	// queryQuota is quota.Query; tests replace it.
	queryQuota func(ctx context.Context, argv []string, timeout time.Duration) (quota.Left, error)
	// overrunAfter overrides the pass budget (watchPass; tests).
	overrunAfter time.Duration

	// Snapshot bookkeeping (snapshot.go): inPass while a pass runs,
	// snapDirty when a commit left state.json behind the journal,
	// snapWrites how many times state.json was written (for tests).
	inPass     bool
	snapDirty  bool
	snapWrites int
	// seq is the highest RunState.Seq given out or restored; each
	// journaled state takes the next.
	seq uint64
}

// New builds a Supervisor and restores the state of earlier lives from the
// ledger: the snapshot, or the journal when the snapshot is unreadable.
func New(opt Options) (*Supervisor, error) {
	runs, err := buildRuns(opt.Config)
	if err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if opt.Logger == nil {
		opt.Logger = zap.NewNop()
	}
	opt.UID = cmp.Or(opt.UID, strconv.Itoa(os.Getuid()))
	s := &Supervisor{Options: opt, runs: runs, states: map[string]run.RunState{}, observed: map[string]time.Time{},
		quotas: map[string]quotaEntry{}, queryQuota: quota.Query}
	if err := s.restore(opt.Config.StateDir); err != nil {
		return nil, err
	}
	return s, nil
}

// snapshot is the state file's content.
type snapshot struct {
	Version int                     `json:"version"`
	Written time.Time               `json:"written"`
	Runs    map[string]run.RunState `json:"runs"`
	// SlurmDownSince is when Slurm stopped answering (zero: it answers),
	// so that one-shot ticks log the outage once each way too.
	SlurmDownSince time.Time `json:"slurm_down_since,omitzero"`
	// SlurmMissingSince is when the Slurm programs were last found
	// missing (zero: found), so that one-shot ticks say so once too.
	SlurmMissingSince time.Time `json:"slurm_missing_since,omitzero"`
}

const snapshotVersion = 1

// restore loads the snapshot, then each run's journaled state that is
// newer (snapshot.go); without a usable snapshot, all from the journal.
func (s *Supervisor) restore(dir string) error {
	var snap snapshot
	found, err := ledger.LoadState(dir, &snap)
	if err != nil {
		s.Logger.Warn("state_unreadable", zap.String("dir", dir), zap.Error(err))
	}
	if found {
		if snap.Version > snapshotVersion {
			return fmt.Errorf("state %s: version %d is newer than this nanosupervisord understands (%d)", dir, snap.Version, snapshotVersion)
		}
		for name, st := range snap.Runs {
			s.states[name] = st
			s.seq = max(s.seq, st.Seq)
		}
		s.slurmDown = snap.SlurmDownSince
		s.missing.since = snap.SlurmMissingSince
	}
	// A damaged record costs the run that record, not its history:
	// LastGoodStates offers a run's newest state, then, if it is rejected,
	// every state oldest first; the last accepted is the newest good one.
	last := map[string]run.RunState{}
	_, problems, jerr := ledger.LastGoodStates(dir, func(name string, raw json.RawMessage) error {
		var st run.RunState
		if err := json.Unmarshal(raw, &st); err != nil {
			return err
		}
		if st.Name != name {
			return fmt.Errorf("the state names run %q", st.Name)
		}
		last[name] = st
		return nil
	})
	if jerr != nil && !found {
		return fmt.Errorf("rebuild state from journal in %s: %w", dir, jerr)
	} else if jerr != nil {
		clear(last) // a journal read only in part adds nothing to the snapshot
	}
	for _, p := range problems {
		if !found { // else the snapshot stands and the journal only adds to it
			s.Logger.Warn("journal_problem", zap.String("file", p.File), zap.Int("line", p.Line), zap.String(run.FieldError, p.Err))
		}
	}
	for name, st := range last {
		s.seq = max(s.seq, st.Seq)
		if cur, ok := s.states[name]; !ok || st.NewerThan(cur) {
			s.states[name] = st
			// State taken from the journal goes into state.json at the
			// end of the first pass, even if that pass changes nothing.
			s.snapDirty = true
		}
	}
	if !found && len(last) > 0 {
		s.Logger.Info("state_rebuilt_from_journal", zap.Int("runs", len(last)))
	}
	return nil
}

// States returns a copy of every run's state, by name.
func (s *Supervisor) States() map[string]run.RunState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]run.RunState, len(s.states))
	for k, v := range s.states {
		out[k] = v.Clone()
	}
	return out
}

// Config returns the configuration in force.
func (s *Supervisor) Config() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Options.Config
}

// ErrRestartRequired is wrapped by the error of a reload that changed a
// setting wired only at start-up (config.RestartOnly).
var ErrRestartRequired = errors.New("restart the daemon to change it")

// Reload swaps in a new configuration between passes. A configuration whose
// runs cannot be derived (unreadable script, clashing job names), or that
// changes a setting wired only at start-up (config.RestartOnly), is
// rejected and the old one stays.
func (s *Supervisor) Reload(cfg *config.Config) error {
	runs, err := buildRuns(cfg)
	if err != nil {
		s.Logger.Warn(run.EventConfigRejected, zap.String("path", cfg.Path), zap.String(run.FieldError, err.Error()))
		return err
	}
	s.mu.Lock()
	old := s.Options.Config
	keys := cfg.RestartOnly(old)
	if len(keys) == 0 {
		s.Options.Config, s.runs = cfg, runs
		if s.SlurmFor != nil && old != nil && cfg.Slurm != old.Slurm {
			// New programs: look for them at once.
			s.Slurm = s.SlurmFor(cfg.Slurm)
			s.missing.next = time.Time{}
		}
	}
	s.mu.Unlock()
	if len(keys) > 0 {
		err := fmt.Errorf("%s cannot change while the daemon runs: %w", strings.Join(keys, ", "), ErrRestartRequired)
		s.Logger.Warn(run.EventConfigRejected, zap.String("path", cfg.Path), zap.String(run.FieldReason, run.ReasonRestartRequired),
			zap.Strings("keys", keys), zap.String(run.FieldError, err.Error()))
		return err
	}
	added, removed, changed := cfg.Diff(old)
	s.Logger.Info(run.EventConfigReloaded, zap.String("path", cfg.Path),
		zap.Strings("added", added), zap.Strings("removed", removed), zap.Strings("changed", changed))
	return nil
}

// ReloadFile loads the configuration at path and swaps it in if it is valid
// and differs from the one in force. A file with problems is rejected as a
// whole (config_rejected, every problem listed) and the running
// configuration stays. It reports whether the configuration changed.
func (s *Supervisor) ReloadFile(path, trigger string) (bool, error) {
	cfg, err := config.Load(path)
	if err != nil {
		s.Logger.Warn(run.EventConfigRejected, zap.String("path", path), zap.String("trigger", trigger), zap.String(run.FieldError, err.Error()))
		return false, err
	}
	if cfg.Equal(s.Config()) {
		return false, nil
	}
	err = s.Reload(cfg)
	return err == nil, err
}
