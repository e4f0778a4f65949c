package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/notify"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// The flags several verbs share: addFlags registers those a verb takes
// (an unknown --log-format is a usage error); the helpers below read them.
const (
	configFlag = 1 << iota
	logFlag
	jsonFlag
)

func addFlags(c *cobra.Command, which int) {
	if which&configFlag != 0 {
		c.Flags().StringP("config", "c", "", "configuration file (default $XDG_CONFIG_HOME/nanosupervisord/config.yaml, or $NSV_CONFIG)")
	}
	if which&logFlag != 0 {
		c.Flags().String("log-format", logAuto,
			"log format: auto (the systemd journal when stderr is connected to it, console on a terminal, else json), json, console or journal")
		c.PreRunE = func(c *cobra.Command, _ []string) error {
			if f := stringFlag(c, "log-format"); !slices.Contains(logFormats, f) {
				return usageError(fmt.Errorf("--log-format: got %q, want one of %s", f, strings.Join(logFormats, ", ")))
			}
			return nil
		}
	}
	if which&jsonFlag != 0 {
		c.Flags().Bool("json", false, "print JSON")
	}
}

// stringFlag is the value of c's flag name, "" when c has no such flag.
func stringFlag(c *cobra.Command, name string) string {
	v, _ := c.Flags().GetString(name)
	return v
}

// commandLogger is the logger of a verb that acts, as --log-format asks.
func commandLogger(c *cobra.Command) *zap.Logger {
	return newLogger(c.ErrOrStderr(), stringFlag(c, "log-format"))
}

// output prints v as JSON when --json asks, else as print prints it.
func output(c *cobra.Command, v any, print func(w io.Writer)) error {
	if asJSON, _ := c.Flags().GetBool("json"); asJSON {
		return writeJSON(c.OutOrStdout(), v)
	}
	print(c.OutOrStdout())
	return nil
}

// configPath is --config, else $NSV_CONFIG, else the default.
func configPath(c *cobra.Command) string {
	return cmp.Or(stringFlag(c, "config"), os.Getenv("NSV_CONFIG"), config.DefaultPath())
}

// loadConfig loads and validates the configuration, printing every
// problem. Its warnings are not printed: check-config prints them, and the
// verbs that act (run, tick) log them as config_warning events; a status
// or history should not repeat them at every call.
func loadConfig(c *cobra.Command) (*config.Config, error) {
	path := configPath(c)
	cfg, err := config.Load(path)
	if err != nil {
		printLines(c.ErrOrStderr(), err.Error())
		if where := configOrigin(path); where != path {
			fmt.Fprintln(c.ErrOrStderr(), "configuration:", printable(where))
		}
		return nil, withCode(exitError, errSilent)
	}
	return cfg, nil
}

func logConfigWarnings(log *zap.Logger, cfg *config.Config) {
	for _, w := range cfg.Warnings {
		log.Warn(run.EventConfigWarning, zap.String("path", cfg.Path), zap.String(run.FieldWarning, w))
	}
}

// slurmClient is the client for a slurm section; a reload that changes
// the section gets a new one (supervisor.Options.SlurmFor).
func slurmClient(c config.Slurm) *slurm.Client {
	return &slurm.Client{Runner: &slurm.ExecRunner{BinDir: c.BinDir, Timeout: c.CommandTimeout}}
}

// dryRunSupervisor is plan's supervisor: it reads the recorded state and
// asks Slurm, but writes and submits nothing.
func dryRunSupervisor(cfg *config.Config) (*supervisor.Supervisor, error) {
	return supervisor.New(supervisor.Options{Config: cfg, Slurm: slurmClient(cfg.Slurm), DryRun: true, Logger: newLogger(io.Discard, logJSON)})
}

// withSession is the RunE of a verb that acts: fn runs in a session.
func withSession(fn func(c *cobra.Command, s *session) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, _ []string) error {
		cfg, err := loadConfig(c)
		if err != nil {
			return err
		}
		log := commandLogger(c)
		s, err := openSession(cfg, log)
		if err != nil {
			return err
		}
		logConfigWarnings(log, cfg)
		defer s.Close()
		return fn(c, s)
	}
}

// session is what a verb that acts needs: the lease, ledger and supervisor.
type session struct {
	cfg    *config.Config
	lease  *lease.Lease
	ledger *ledger.Ledger
	sup    *supervisor.Supervisor
	log    *zap.Logger
	// notifier sends the events notify: asks for (see reloadNotifier).
	notifier atomic.Pointer[notify.Notifier]
	// guards: see guardNewStateDir.
	guardMu sync.Mutex
	guards  map[string]*lease.Lease
}

// openSession takes the lease (exit 3 when another instance has it), opens
// the ledger and restores the supervisor's state.
func openSession(cfg *config.Config, log *zap.Logger) (*session, error) {
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	l, err := acquireLease(cfg, log)
	switch {
	case errors.As(err, new(*lease.HeldError)):
		return nil, withCode(exitLockHeld, err)
	case err != nil:
		return nil, fmt.Errorf("lock state directory: %w", err)
	}
	led, err := ledger.Open(cfg.StateDir)
	if err != nil {
		l.Release()
		return nil, err
	}
	s := &session{cfg: cfg, lease: l, ledger: led, log: log, guards: map[string]*lease.Lease{}}
	s.notifier.Store(newNotifier(cfg, log))
	sup, err := supervisor.New(supervisor.Options{Config: cfg, Slurm: slurmClient(cfg.Slurm), Logger: log, Ledger: led,
		OnEvent:     func(run string, e run.Event) { s.notifier.Load().Handle(run, e.Name, e.Fields) },
		Fence:       l.HoldUntil,
		StripJobEnv: os.Getenv("SLURM_JOB_ID") != "",
		SlurmFor:    func(c config.Slurm) supervisor.SlurmAPI { return slurmClient(c) }})
	if err != nil {
		s.notifier.Load().Close(context.Background())
		led.Close()
		l.Release()
		return nil, err
	}
	s.sup = sup
	return s, nil
}

// acquireLease takes the lease of cfg's state directory. It says so when
// the lease was taken over from a holder that went away without releasing
// it (crashed, killed, its host lost), with the evidence that the old
// lease was stale.
func acquireLease(cfg *config.Config, log *zap.Logger) (*lease.Lease, error) {
	l, err := lease.Acquire(cfg.StateDir, lease.Options{TTL: leaseTTL(cfg), Version: currentVersion().Version})
	if err != nil {
		return nil, err
	}
	if prev, why, ok := l.TookOver(); ok {
		log.Warn(run.EventLeaseTakenOver, zap.String("state_dir", cfg.StateDir), zap.String(run.FieldReason, why),
			zap.String("prev_host", prev.Host), zap.Int("prev_pid", prev.PID), zap.Time("prev_heartbeat", prev.Heartbeat),
			zap.String("age", time.Since(prev.Heartbeat).Round(time.Second).String()))
	}
	return l, nil
}

// leaseTTL is the lease's TTL: the default, or longer when the Slurm
// command timeout asks for it. Before each sbatch the supervisor requires
// the lease to reach supervisor.LeaseMargin ahead, and between renewals it
// reaches at least TTL - heartbeat ahead; a TTL any shorter would make
// every submission wait for a renewal, or never happen.
func leaseTTL(cfg *config.Config) time.Duration {
	return max(lease.DefaultTTL, supervisor.LeaseMargin(cfg)+heartbeat)
}

func newNotifier(cfg *config.Config, log *zap.Logger) *notify.Notifier {
	return notify.New(cfg.Notify, notify.WithOnError(func(err error) {
		log.Warn(run.EventNotifyFailed, zap.String(run.FieldError, err.Error()))
	}))
}

// reloadNotifier swaps in a notifier for the configuration in force when
// its notify: section changed; the old one delivers what it has queued.
func (s *session) reloadNotifier(old *config.Notify) {
	if cfg := s.sup.Config(); !reflect.DeepEqual(old, cfg.Notify) {
		go closeNotifier(s.notifier.Swap(newNotifier(cfg, s.log)))
	}
}

// closeNotifier delivers what n has queued, for 15 seconds at most.
func closeNotifier(n *notify.Notifier) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return n.Close(ctx)
}

// Close delivers the notifications still queued, then releases the ledger
// and the leases.
func (s *session) Close() {
	if err := closeNotifier(s.notifier.Load()); err != nil {
		s.log.Warn(run.EventNotifyFailed, zap.String(run.FieldError, err.Error()))
	}
	s.ledger.Close()
	s.guardMu.Lock()
	for _, l := range s.guards {
		l.Release()
	}
	s.guardMu.Unlock()
	s.lease.Release()
	s.log.Sync()
}
