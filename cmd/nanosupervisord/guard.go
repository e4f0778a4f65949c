package main

import (
	"errors"

	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// guardNewStateDir takes the lease of the state directory the configuration
// file names, when a reload was refused because it changed state_dir. The
// daemon refuses to move to another state directory live, but a cron tick
// or a resume reads the file as it is now: without the guard it would act
// on the new directory, unlocked, beside this daemon acting on the old one.
// A guard only holds the lease; nothing else is written there.
func (s *session) guardNewStateDir(reloadErr error) {
	if !errors.Is(reloadErr, supervisor.ErrRestartRequired) {
		return
	}
	cfg, err := config.Load(s.cfg.Path)
	if err != nil || cfg.StateDir == s.cfg.StateDir {
		return
	}
	s.guardMu.Lock()
	defer s.guardMu.Unlock()
	if _, ok := s.guards[cfg.StateDir]; ok {
		return
	}
	l, err := lease.Acquire(cfg.StateDir, lease.Options{TTL: leaseTTL(cfg), Version: currentVersion().Version})
	if err != nil {
		s.log.Warn(eventStateDirUnguarded, zap.String("state_dir", cfg.StateDir), zap.String(run.FieldError, err.Error()))
		return
	}
	logTakeover(s.log, cfg.StateDir, l)
	if s.guards == nil {
		s.guards = map[string]*lease.Lease{}
	}
	s.guards[cfg.StateDir] = l
	s.log.Info(eventStateDirGuarded, zap.String("state_dir", cfg.StateDir))
}

// renewGuards keeps the guards' leases fresh; a guard lost to another
// instance is dropped, and said so.
func (s *session) renewGuards() {
	s.guardMu.Lock()
	defer s.guardMu.Unlock()
	for dir, l := range s.guards {
		err := l.Renew()
		switch {
		case errors.Is(err, lease.ErrLost):
			delete(s.guards, dir)
			s.log.Warn(eventStateDirUnguarded, zap.String("state_dir", dir), zap.String(run.FieldError, err.Error()))
		case err != nil:
			s.log.Warn("lease_renew_failed", zap.String("state_dir", dir), zap.String(run.FieldError, err.Error()))
		}
	}
}

// releaseGuards gives the guards' leases back.
func (s *session) releaseGuards() {
	s.guardMu.Lock()
	defer s.guardMu.Unlock()
	for dir, l := range s.guards {
		l.Release()
		delete(s.guards, dir)
	}
}

// Events of the guards, logged by the daemon only.
const (
	eventStateDirGuarded   = "state_dir_guarded"
	eventStateDirUnguarded = "state_dir_unguarded"
)
