package run

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// StartMode says what to do when a run has no known job.
type StartMode string

const (
	// StartAdopt adopts a live job of the run, or its newest ended one,
	// found by job name; otherwise it waits for the user to submit.
	StartAdopt StartMode = "adopt"
	// StartSubmit adopts a live job if there is one, otherwise submits.
	StartSubmit StartMode = "submit"
	// StartWait adopts only a live job; it never acts on ended ones.
	StartWait StartMode = "wait"
)

// RunSpec is what Decide needs of a run's configuration.
type RunSpec struct {
	Name    string
	JobName string // effective Slurm job name
	// Cluster is where the run's jobs are submitted (sbatch -M), from the
	// cluster key, -M in sbatch_args or the script; "" = the local cluster.
	Cluster string
	Start   StartMode
	Targets trainer.Targets
	Policy  Policy
	Paused  bool
	// CancelOnDone cancels a live job once the targets are reached
	// (on_done: cancel), so that its GPUs go back.
	CancelOnDone bool
	// CancelOnStall cancels a stalled job and resubmits the run
	// (on_stall: cancel) instead of only reporting it.
	CancelOnStall bool
	// FitTimeLimit gives resubmissions a --time fitted to the run's saves
	// (time_limit: fit); TimeLimit is the user's own limit to fit into (0:
	// not set by sbatch_args or the script).
	FitTimeLimit bool
	TimeLimit    time.Duration
	// QueueAhead keeps the next attempt queued behind the running job
	// (queue_ahead: true; decide_queue.go).
	QueueAhead bool
	// PollInterval bounds how long a waiting plan sleeps.
	PollInterval time.Duration
}

// SlurmView is what Slurm said about a run in this pass.
type SlurmView struct {
	// Cluster is the cluster Queue and Window come from, and so where a job
	// adopted from them runs ("" = the local cluster).
	Cluster string
	// SacctErr is set when sacct failed or timed out: the job's state is
	// unknown and nothing may be decided from it.
	SacctErr error
	// Job is the sacct row of the run's current job; nil when sacct has no
	// row for it (or was not asked).
	Job *slurm.Job

	// QueueAsked reports whether squeue was asked in this pass.
	QueueAsked bool
	QueueErr   error
	// Queue holds the squeue entries (any state) that belong to the run:
	// its job name or its tag.
	Queue []slurm.QueueEntry

	// WindowAsked reports whether sacct was asked for a time window (to
	// adopt an ended job, or to resolve an intent).
	WindowAsked bool
	WindowErr   error
	// Window holds the rows of that window that belong to the run, plus
	// rows whose name is still the transient "allocation".
	Window []slurm.Job
}

// CkptView is what the checkpoint directory showed in this pass.
type CkptView struct {
	// Err is set when the directory could not be read or judged.
	Err error
	// Missing is set when the directory does not exist.
	Missing bool
	// Newest is the newest complete step, NoStep if none.
	Newest int
	// NewestValBPB is val_bpb from the newest complete step's meta: the
	// most recent evaluation, which may be older than the step.
	NewestValBPB *float64
	// NewestNumIterations, NewestEvalEvery, NewestCoreEvery and
	// NewestSaveEvery come from the newest complete step's meta
	// (user_config), 0 when unknown (and the cadences when off).
	NewestNumIterations, NewestEvalEvery, NewestCoreEvery, NewestSaveEvery int
	// Complete lists every complete step, ascending, with the newest
	// modification time of its files (to tell a rewritten step apart).
	// Empty means only Newest is known.
	Complete []CompleteStep
	// Settling is set when a step newer than Newest is still being
	// written: resubmitting now could pick an older step than needed.
	Settling bool
	// Incomplete lists steps newer than Newest that are torn, with why.
	Incomplete []IncompleteStep
	// NewestBytes is the size of the newest complete step: the estimate of
	// what the next checkpoint needs.
	NewestBytes int64
	// FreeBytes is the space left for the user on the checkpoint
	// filesystem; -1 when unknown.
	FreeBytes int64
	// FreeFrom says where FreeBytes came from: FreeFromQuota when the
	// storage.quota_command's answer was the smaller, else "" (statfs).
	FreeFrom string
}

// FreeFromQuota marks FreeBytes as the quota command's answer.
const FreeFromQuota = "quota"

// CompleteStep is a complete checkpoint step.
type CompleteStep = goodput.Checkpoint

// IncompleteStep is a step that exists but cannot be resumed from.
type IncompleteStep struct {
	Step   int
	Reason string
}

// LogView is the current job's training log, parsed.
type LogView struct {
	Path    string
	Summary *trainer.LogSummary // nil when there is no log (yet); hints include the error file's
	// Steps measures the log's training steps; nil with Summary.
	Steps   *goodput.StepStats
	Missing bool // no file at Path (yet)
	// ModTime is when the log last grew: a running job that is still
	// training writes to it every few steps.
	ModTime time.Time
	// PrevModTime and PrevLastStep are the log's modification time and
	// Summary.LastStep before it last changed, as the daemon saw them
	// (zero: it has seen the file once, or not since it started). No
	// silence of the log between them was longer than ModTime-PrevModTime.
	PrevModTime  time.Time
	PrevLastStep int
	Err          error
	// ErrLastLines are the last lines of the job's stderr file when Slurm
	// writes it apart from the log, as evidence.
	ErrLastLines []string
}

// Input is everything Decide may look at. It holds no handles: Decide is a
// pure function of it.
type Input struct {
	Now   time.Time
	Spec  RunSpec
	State RunState
	Slurm SlurmView
	Ckpt  CkptView
	Log   LogView
	// UID is the daemon's own user id, to recognise "CANCELLED by <uid>".
	UID string
	// Nonce makes the submission tag unique; the caller draws it.
	Nonce string
	// Rand in [0,1) jitters backoff delays; the caller draws it.
	Rand float64
}

// Action is one step of a Plan. Only Submit has an effect outside the
// state: the others document what the new state already says.
type Action interface{ action() string }

// Submit runs sbatch for attempt Attempt, resuming from FromStep (NoStep
// for a fresh start). Tag goes into --comment so the job can be recognised.
type Submit struct {
	Attempt  int
	FromStep int
	Tag      string
	// After, when set, queues the job behind that job
	// (--dependency=afterany): a successor whose resume step the script
	// asks resume-step for when it starts.
	After string
	// PruneFirst applies the retention policy before sbatch: the last job
	// died of a full disk or quota.
	PruneFirst bool
	// TimeLimit, when set, is passed as --time (time_limit: fit).
	TimeLimit time.Duration
	// Exclude lists the run's bad nodes, comma-separated, passed as
	// --exclude (a string keeps Submit comparable).
	Exclude string
}

// Adopt takes JobID as the run's current job.
type Adopt struct {
	JobID  string
	Reason string
}

// Wait does nothing until Until (or the next trigger).
type Wait struct {
	Until  time.Time
	Reason string
}

// Cancel runs scancel on a job of a run that is done (on_done: cancel) or
// on a stalled job (on_stall: cancel).
type Cancel struct {
	JobID   string
	Cluster string // the job's cluster; "" = the local one
	Reason  string
}

// Complete marks the run done.
type Complete struct{ Reason string }

// Stop marks the run stopped.
type Stop struct{ Reason string }

func (Submit) action() string   { return "submit" }
func (Adopt) action() string    { return "adopt" }
func (Wait) action() string     { return "wait" }
func (Complete) action() string { return "complete" }
func (Cancel) action() string   { return "cancel" }
func (Stop) action() string     { return "stop" }

// Plan is Decide's answer: the new state, what to do, what to log.
type Plan struct {
	Next    RunState
	Actions []Action
	Events  []Event
	// RecheckAfter asks for another pass this soon (0: at the poll
	// interval).
	RecheckAfter time.Duration
}

// Submission returns the plan's Submit action, if any.
func (p Plan) Submission() (Submit, bool) {
	for _, a := range p.Actions {
		if s, ok := a.(Submit); ok {
			return s, true
		}
	}
	return Submit{}, false
}
