package config

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// OnDone says what happens to a run's job when its targets are reached.
type OnDone string

const (
	// OnDoneFinish lets the job run to its end (it may train on, and its
	// checkpoints are kept): the default.
	OnDoneFinish OnDone = "finish"
	// OnDoneCancel cancels the job (scancel) so its GPUs go back at once.
	OnDoneCancel OnDone = "cancel"
)

// OnStall says what happens to a running job whose log and checkpoints
// have stopped moving (a hung NCCL collective, a dead filesystem).
type OnStall string

const (
	// OnStallAlert reports the stall (run_stalled, notified by default) and
	// leaves the job alone: the default.
	OnStallAlert OnStall = "alert"
	// OnStallCancel also cancels the job and resubmits the run from its
	// newest complete checkpoint, as after an infrastructure failure.
	OnStallCancel OnStall = "cancel"
)

// TimeLimitMode says which --time a resubmitted job gets.
type TimeLimitMode string

const (
	// TimeLimitKeep leaves the job's time limit to the script and
	// sbatch_args: the default.
	TimeLimitKeep TimeLimitMode = "keep"
	// TimeLimitFit gives a resubmitted job a --time that ends just after
	// the last save it can finish within its own limit, measured from the
	// run's earlier jobs, instead of training on into a tail that is lost.
	TimeLimitFit TimeLimitMode = "fit"
)

// Defaults, named so documentation, example and code cannot drift apart.
const (
	DefaultPollInterval   = 2 * time.Minute
	DefaultCommandTimeout = 60 * time.Second
	DefaultRanks          = 1
	DefaultMaxAttempts    = 50
	DefaultMaxFailures    = 2
	DefaultBackoff        = time.Minute
	DefaultMaxBackoff     = 30 * time.Minute
	// DefaultRetryAfterProgress caps the delay after a failure that followed
	// a new checkpoint (see run.Policy.RetryAfterProgress).
	DefaultRetryAfterProgress = 10 * time.Second
	// DefaultStuckPendingAfter is how long a job may pend for a reason
	// that does not clear by itself before job_stuck_pending is logged.
	DefaultStuckPendingAfter   = time.Hour
	DefaultStallAfterIntervals = run.DefaultStallAfterIntervals
	DefaultKeepLast            = 2
	DefaultNotifyTimeout       = 10 * time.Second
	DefaultQuotaTimeout        = 10 * time.Second
	// DirPlaceholder is replaced by the run's checkpoint directory in
	// storage.quota_command.
	DirPlaceholder = "{dir}"
	// StepPlaceholder is replaced by the resume step in resume_args.
	StepPlaceholder = "{step}"
)

// Config is a validated configuration: callers need not re-check it.
type Config struct {
	Path         string        // the file it came from (absolute after Load)
	PollInterval time.Duration // how often sacct is asked, once for all runs
	StateDir     string        // absolute: state snapshot, journal, lock
	Slurm        Slurm
	Storage      Storage
	Runs         map[string]*Run
	Prune        *Prune   // nil: no global retention policy
	Notify       *Notify  // nil: no notifications
	Warnings     []string // non-fatal problems, formatted like Problem.Error
}

// RunNames returns the names of the runs, sorted.
func (c *Config) RunNames() []string {
	return slices.Sorted(maps.Keys(c.Runs))
}

// Slurm says how to reach the Slurm commands.
type Slurm struct {
	BinDir         string        // directory of sacct, sbatch, squeue, scancel; "" = PATH
	CommandTimeout time.Duration // per command; a hung slurmctld must not hang the loop
}

// Storage says how to learn the room left for checkpoints beyond the
// filesystem's free space.
type Storage struct {
	// QuotaCommand is the program and arguments that print the user's quota
	// (storage.quota_command as a list); nil = none. {dir} in an item is
	// replaced by the run's checkpoint directory.
	QuotaCommand []string
	// QuotaShell is storage.quota_command written as one string, run by
	// /bin/sh -c; {dir} is replaced by the directory quoted for the shell.
	// At most one of QuotaCommand and QuotaShell is set.
	QuotaShell   string
	QuotaTimeout time.Duration // per run of the command
}

// Argv returns the quota command for a run whose checkpoints are in dir,
// ready to execute, or nil when no quota command is configured.
func (s Storage) Argv(dir string) []string {
	switch {
	case s.QuotaShell != "":
		return []string{"/bin/sh", "-c", strings.ReplaceAll(s.QuotaShell, DirPlaceholder, shellQuote(dir))}
	case len(s.QuotaCommand) > 0:
		argv := make([]string, len(s.QuotaCommand))
		for i, a := range s.QuotaCommand {
			argv[i] = strings.ReplaceAll(a, DirPlaceholder, dir)
		}
		return argv
	}
	return nil
}

// shellQuote makes s one word for /bin/sh, whatever it contains.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Run is one supervised training run.
type Run struct {
	Name          string
	Script        string   // absolute path of the sbatch script
	Workdir       string   // absolute; sbatch runs here (default: the script's directory)
	CheckpointDir string   // absolute; where model_*.pt, meta_*.json, optim_*.pt appear
	Ranks         int      // optimizer shards per checkpoint
	JobName       string   // "" = the script's #SBATCH -J / --job-name
	ResumeArgs    []string // appended after the script; {step} = resume step
	SbatchArgs    []string // extra sbatch flags, before the script
	Env           map[string]string
	// Cluster is the Slurm cluster the jobs go to (sbatch -M); "" = the
	// one named by -M in SbatchArgs or the script, else the local one.
	Cluster string
	// Requeue lets Slurm requeue the jobs (NODE_FAIL, preemption); by
	// default they are submitted with --no-requeue, so that the daemon, not
	// Slurm, chooses the step a new job resumes from.
	Requeue bool
	// Log is the training log pattern, ~ and $VARs expanded, its %j, %x and
	// %% codes and a relative form (in the workdir) left for
	// trainer.ExpandLogPath. "" = Slurm's default slurm-%j.out.
	Log       string
	Start     run.StartMode
	OnDone    OnDone
	OnStall   OnStall
	TimeLimit TimeLimitMode
	Targets   trainer.Targets
	Policy    run.Policy
	Paused    bool
	// QueueAhead keeps the running job's successor queued behind it
	// (--dependency=afterany), so that it starts the moment the job ends;
	// the script must take its step from resume-step.
	QueueAhead bool
	// Prune is the run's own retention policy, already merged over the global
	// one field by field; nil means the global policy applies unchanged.
	Prune *Prune
}

// EffectivePrune returns the retention policy that applies to the run: its
// own when it has one, else global (which may be nil: no pruning).
func (r *Run) EffectivePrune(global *Prune) *Prune {
	return cmp.Or(r.Prune, global)
}

// Prune is a checkpoint retention policy.
type Prune struct {
	Schedule  string // standard cron spec or descriptor (@daily); "" = only on demand
	KeepLast  int    // newest complete checkpoints always kept
	KeepEvery int    // also keep every Nth complete checkpoint; 0 = off
}

// Notify says where to tell the user about events that need them.
type Notify struct {
	Webhook string // http(s) URL receiving a POST; "" = none
	// WebhookFormat is the payload's shape: WebhookJSON (the daemon's own
	// document) or a chat service's (Slack, Discord, ntfy, Matrix).
	WebhookFormat string
	Command       []string      // program and arguments run per event; nil = none
	Events        []string      // event names that notify
	Timeout       time.Duration // per delivery attempt
}

// Webhook payload formats (notify.webhook.format).
const (
	WebhookJSON    = "json"
	WebhookSlack   = "slack"
	WebhookDiscord = "discord"
	WebhookNtfy    = "ntfy"
	WebhookMatrix  = "matrix"
)

// WebhookFormats lists the values notify.webhook.format takes.
var WebhookFormats = []string{WebhookJSON, WebhookSlack, WebhookDiscord, WebhookNtfy, WebhookMatrix}

// DefaultNotifyEvents are the events that notify when events is not set:
// the run is over, or stuck until the user looks.
var DefaultNotifyEvents = []string{"run_target_reached", "run_stopped", "stall",
	"job_stuck_pending", "checkpoint_dir_missing", "checkpoint_regressed"}

// notifyEvents are the event names notify.events may list, "stall" (a run
// that makes no progress for too long) among them.
var notifyEvents = []string{
	"run_adopted", "job_state_changed", "checkpoint_complete", "checkpoint_incomplete",
	"job_resubmitted", "resubmit_failed", "run_target_reached", "run_stopped",
	"run_backoff", "slurm_unavailable", "config_reloaded", "config_rejected",
	"checkpoint_pruned", "stall",
	"checkpoint_dir_missing", "checkpoint_regressed", "checkpoint_hold_released",
	"job_stuck_pending", "job_requeued", "log_missing", "slurm_missing",
	"sbatch_rejected", "storage_low", "config_warning",
}
