package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// heartbeat is how often the lease is renewed (its TTL is at least three
// times this, see leaseTTL).
const heartbeat = 30 * time.Second

func newRunCmd() *cobra.Command {
	var exitWhenDone bool
	c := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon in the foreground (systemd, tmux, nohup)",
		Long: `run supervises every configured run until interrupted. Under systemd it
reports readiness and status with sd_notify and pings the watchdog after
each pass. SIGHUP or an edit of the configuration file reloads it; a bad
edit is rejected and the running configuration kept. SIGINT/SIGTERM stop it;
jobs are never cancelled on the way out.`,
		Args: args(cobra.NoArgs),
		RunE: withSession(func(c *cobra.Command, s *session) error {
			return runDaemon(c.Context(), s, exitWhenDone)
		}),
	}
	addFlags(c, configFlag|logFlag)
	c.Flags().BoolVar(&exitWhenDone, "exit-when-done", false, "exit once every run is done (0) or stopped (1)")
	return c
}

// errSomeStopped ends --exit-when-done when a run stopped short of its
// targets.
var errSomeStopped = errors.New("every run has ended; some stopped before reaching their targets (see status)")

func runDaemon(parent context.Context, s *session, exitWhenDone bool) error {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	wake := make(chan struct{}, 1)
	poke := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	prunes := s.sup.StartPruneSchedule(ctx)
	reload := func(why string) {
		old := s.sup.Config().Notify
		changed, err := s.sup.ReloadFile(s.cfg.Path, why)
		s.guardNewStateDir(err)
		if changed {
			logConfigWarnings(s.log, s.sup.Config())
			s.reloadNotifier(old)
			prunes.Reschedule()
			poke()
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go each(ctx, hup, func() {
		// SIGHUP also wakes the loop: resume requests arrive this way.
		reload("SIGHUP")
		poke()
	})
	watcher, err := supervisor.WatchConfig(ctx, s.cfg.Path, func() { reload("file") })
	if err != nil {
		s.log.Warn("config_watch_unavailable", zap.String(run.FieldError, err.Error()))
	} else {
		defer watcher.Close()
	}
	go each(ctx, time.NewTicker(heartbeat).C, func() { renewLease(s, cancel) })
	activity, err := supervisor.WatchActivity(ctx, poke)
	if err != nil {
		s.log.Warn("activity_watch_unavailable", zap.String(run.FieldError, err.Error()))
	} else {
		defer activity.Close()
	}
	var lastPass atomic.Int64
	lastPass.Store(time.Now().UnixNano())
	// The watchdog is pinged only while the loop is alive: a pass finished
	// within the poll interval plus the time a pass may take. A hung loop
	// stops the pings and systemd restarts the daemon.
	if interval, err := daemon.SdWatchdogEnabled(false); err == nil && interval > 0 {
		go each(ctx, time.NewTicker(interval/3).C, func() {
			cfg := s.sup.Config()
			if time.Since(time.Unix(0, lastPass.Load())) < cfg.PollInterval+5*cfg.Slurm.CommandTimeout+time.Minute {
				daemon.SdNotify(false, daemon.SdNotifyWatchdog)
			}
		})
	}

	s.log.Info("daemon_started", zap.String("config", s.cfg.Path), zap.String("state_dir", s.cfg.StateDir),
		zap.Strings("runs", s.cfg.RunNames()), zap.String("version", currentVersion().Version))
	// Ready before the first pass: the daemon is up once it holds the
	// lease and has read its state. A first pass that waits on a hung
	// Slurm (up to slurm.command_timeout per call) must not be taken by
	// systemd for a failed start.
	daemon.SdNotify(false, daemon.SdNotifyReady+"\nSTATUS=first pass")
	s.sup.Loop(ctx, wake, func(res supervisor.PassResult) {
		lastPass.Store(time.Now().UnixNano())
		if activity != nil {
			activity.Sync(s.sup.ActivityDirs())
		}
		daemon.SdNotify(false, "STATUS="+statusLine(s.sup))
		if end := allEnded(s.sup); exitWhenDone && end != nil {
			cancel(end)
		}
	})
	daemon.SdNotify(false, daemon.SdNotifyStopping)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, errAllDone) {
		return cause
	}
	s.log.Info("daemon_stopped")
	return nil
}

// each calls fn for every value ch delivers, until ctx ends.
func each[T any](ctx context.Context, ch <-chan T, fn func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			fn()
		}
	}
}

// renewLease keeps the single-instance lease fresh; losing it (another
// host took over a stale lease) stops this daemon before it can act twice.
// Other failures are only logged here: the supervisor's fence
// (Lease.HoldUntil) keeps sbatch from running while the lease cannot be
// proven.
func renewLease(s *session, cancel context.CancelCauseFunc) {
	switch err := s.lease.Renew(); {
	case errors.Is(err, lease.ErrLost):
		cancel(fmt.Errorf("lost the state directory lease: %w", err))
		return
	case err != nil:
		s.log.Warn("lease_renew_failed", zap.String(run.FieldError, err.Error()))
	}
	s.renewGuards()
}

// statusLine is the one-line STATUS= shown by systemctl status.
func statusLine(sup *supervisor.Supervisor) string {
	states := sup.States()
	var runs []string
	for _, name := range sup.Config().RunNames() {
		st := stateOf(states, name)
		line := name + " " + string(st.Phase)
		if st.Job != nil && st.Phase == run.PhaseRunning {
			line += " (job " + st.Job.Ref().String() + ")"
		}
		runs = append(runs, line)
	}
	return strings.Join(runs, ", ")
}

var errAllDone = errors.New("every run is done")

// allEnded is nil while a configured run is not in a terminal phase, then
// errAllDone when all of them are done, else errSomeStopped.
func allEnded(sup *supervisor.Supervisor) error {
	states := sup.States()
	end := errAllDone
	for _, name := range sup.Config().RunNames() {
		st, ok := states[name]
		if !ok || !st.Phase.Terminal() {
			return nil
		}
		if st.Phase != run.PhaseDone {
			end = withCode(exitError, errSomeStopped)
		}
	}
	return end
}

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
	l, err := acquireLease(cfg, s.log)
	if err != nil {
		s.log.Warn(eventStateDirUnguarded, zap.String("state_dir", cfg.StateDir), zap.String(run.FieldError, err.Error()))
		return
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

// Events of the guards, logged by the daemon only.
const (
	eventStateDirGuarded   = "state_dir_guarded"
	eventStateDirUnguarded = "state_dir_unguarded"
)
