package run

import (
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// NoStep marks "no checkpoint": a fresh start, or nothing found.
const NoStep = -1

// UnknownStep marks a resume step the daemon cannot know: a job the user
// submitted by hand whose log does not say where it resumed from.
const UnknownStep = -2

// RunState is everything the daemon remembers about one run between passes
// and across restarts. It is persisted in the state snapshot and, after
// every decision that changes it, in the journal.
type RunState struct {
	Name   string `json:"name"`
	Phase  Phase  `json:"phase"`
	Reason string `json:"reason,omitempty"`

	// Job is the current or last job of the run.
	Job *JobRecord `json:"job,omitempty"`
	// Intent is a submission recorded before sbatch whose job id is not
	// known yet.
	Intent *Intent `json:"intent,omitempty"`
	// Successor is the next attempt, queued behind Job with
	// --dependency=afterany (queue_ahead: true); it becomes Job when Job
	// ends (decide_queue.go).
	Successor *JobRecord `json:"successor,omitempty"`

	// Attempts counts submissions made by the daemon (max_attempts).
	Attempts int `json:"attempts"`
	// FailuresWithoutProgress counts consecutive failed attempts that
	// produced no new complete checkpoint (crash-loop guard).
	FailuresWithoutProgress int `json:"failures_without_progress"`
	// InfraFailures counts consecutive infrastructure failures (NODE_FAIL,
	// PREEMPTED, ...): they drive the backoff but not the crash-loop guard.
	InfraFailures int `json:"infra_failures"`
	// SubmitFailures counts consecutive sbatch errors.
	SubmitFailures int `json:"submit_failures"`
	// Rejections counts sbatch's permanent refusals in a row with the same
	// words, Rejection (Slurm's stderr): at MaxRejections the run stops.
	Rejections int    `json:"rejections,omitempty"`
	Rejection  string `json:"rejection,omitempty"`
	// BackoffUntil is when the next submission may happen.
	BackoffUntil time.Time `json:"backoff_until,omitzero"`

	// NewestStep is the newest complete checkpoint step seen (NoStep if
	// none).
	NewestStep int `json:"newest_step"`
	// ValBPB and Core are every evaluation seen in any job's log, by step.
	// A resumed job writes a new log, so these are the only memory of
	// earlier evaluations (CORE is nowhere else).
	ValBPB []trainer.Point `json:"val_bpb,omitempty"`
	Core   []trainer.Point `json:"core,omitempty"`
	// PlannedTotal is the num_iterations the trainer announced (0 unknown).
	PlannedTotal int `json:"planned_total,omitempty"`
	// EvalEvery, CoreEvery and SaveEvery are the newest complete
	// checkpoint's user_config eval_every, core_metric_every and
	// save_every (0: unknown or off), for the --save-every advice.
	EvalEvery int `json:"eval_every,omitempty"`
	CoreEvery int `json:"core_metric_every,omitempty"`
	SaveEvery int `json:"save_every,omitempty"`
	// TrainingFinished is set once a log showed the end-of-run lines.
	TrainingFinished bool `json:"training_finished,omitempty"`

	// ReportedIncomplete is the newest torn step already reported, so
	// that checkpoint_incomplete is logged once per step.
	ReportedIncomplete int `json:"reported_incomplete,omitempty"`

	// Suspect lists complete steps that two attempts in a row resumed from
	// and died without a newer checkpoint: poisoned, they are skipped when
	// choosing where to resume, until rewritten. Nothing is deleted.
	Suspect []SuspectStep `json:"suspect,omitempty"`

	// Paused is set by the operator's pause RUN and cleared by unpause
	// RUN. The run is paused while this or the config's paused: is true
	// (RunSpec.Paused); either alone suffices, and unpause clears only
	// this one.
	Paused bool `json:"paused,omitempty"`

	// ResumeOverride is the step an operator asked the next submission to
	// resume from (resume --step); nil: the newest complete step.
	ResumeOverride *int `json:"resume_override,omitempty"`

	// StorageLow is set while the checkpoint filesystem has less room than
	// the next checkpoint needs (storage_low is logged once per episode).
	StorageLow bool `json:"storage_low,omitempty"`
	// StallReported names the job a stall was reported for (once per job).
	StallReported string `json:"stall_reported,omitempty"`
	// Quiet is what the stall alarm learned of the run's log silences
	// (stall.go).
	Quiet LogQuiet `json:"log_quiet,omitzero"`
	// LogMissingReported names the job whose log was reported missing
	// (once per job).
	LogMissingReported string `json:"log_missing_reported,omitempty"`

	// Hold is set while the run's checkpoints cannot be trusted: nothing
	// is submitted and no job's end is judged until it clears
	// (decide_hold.go).
	Hold *CheckpointHold `json:"hold,omitempty"`

	// Saves are the newest complete checkpoints as they appeared, with
	// their files' time, else when they were first seen (bounded): the
	// one record of the run's saves, on which its cadence is measured
	// (cadence.go).
	Saves []goodput.Checkpoint `json:"saves,omitempty"`

	// BadNodes are the nodes the run's next jobs exclude (badnodes.go).
	BadNodes []BadNode `json:"bad_nodes,omitempty"`

	// UnknownSince is when Slurm stopped answering for this run.
	UnknownSince time.Time `json:"unknown_since,omitzero"`
	// History holds the ended jobs, oldest first (bounded).
	History []JobRecord `json:"history,omitempty"`
	// Updated is the time of the last change.
	Updated time.Time `json:"updated,omitzero"`
	// Seq orders the versions of the state that reached the journal: it
	// only grows, whatever the clock does, so that a restart can tell
	// which of the journal's and state.json's is newer (NewerThan). 0 in
	// files written before it existed.
	Seq uint64 `json:"seq,omitempty"`
}

// NewerThan reports whether st is a later version of the run's state than
// old: by Seq, and by Updated only between two states written before Seq.
func (st RunState) NewerThan(old RunState) bool {
	if st.Seq != 0 || old.Seq != 0 {
		return st.Seq > old.Seq
	}
	return st.Updated.After(old.Updated)
}

// maxHistory bounds RunState.History; the journal keeps everything.
const maxHistory = 200

// JobRecord is one Slurm job of a run.
type JobRecord struct {
	ID string `json:"id"`
	// Cluster is the cluster the job runs on, as sbatch printed it after
	// ';' ("" = the local one, also in state written before clusters
	// were supported). Job ids of different clusters overlap.
	Cluster string `json:"cluster,omitempty"`
	Attempt int    `json:"attempt"` // 0 for a job the daemon adopted
	// ResumeStep is the step the job resumed from: NoStep for a fresh
	// start, UnknownStep when not known.
	ResumeStep int       `json:"resume_step"`
	Tag        string    `json:"tag,omitempty"`
	Adopted    bool      `json:"adopted,omitempty"`
	Submitted  time.Time `json:"submitted,omitzero"`
	Name       string    `json:"name,omitempty"`

	State     string        `json:"state,omitempty"`
	ExitCode  string        `json:"exit_code,omitempty"`
	Start     time.Time     `json:"start,omitzero"`
	End       time.Time     `json:"end,omitzero"`
	TimeLimit time.Duration `json:"time_limit,omitempty"`
	// FittedLimit is the --time the daemon gave the job (time_limit: fit);
	// 0 when the job got the user's own limit.
	FittedLimit time.Duration `json:"fitted_limit,omitempty"`
	// Handled is set once the job's end was acted upon, so that a
	// level-triggered pass never counts the same failure twice.
	Handled bool `json:"handled,omitempty"`
	// Requeues counts the times Slurm requeued the job itself.
	Requeues int `json:"requeues,omitempty"`
	// Outcome is the reason given when the end was handled.
	Outcome string   `json:"outcome,omitempty"`
	Hints   []string `json:"hints,omitempty"`
	// PendingReason is squeue's reason (%r) while the job pends, and
	// PendingSince when that reason was first seen; StuckReported is set
	// once job_stuck_pending was logged for the job.
	PendingReason string    `json:"pending_reason,omitempty"`
	PendingSince  time.Time `json:"pending_since,omitzero"`
	StuckReported bool      `json:"stuck_reported,omitempty"`
	// CancelSent is when scancel was last sent for the job (on_done:
	// cancel); it is sent again only after cancelRetry.
	CancelSent time.Time `json:"cancel_sent,omitzero"`
	// CancelReason is why the daemon cancelled the job (on_done_cancel,
	// stall_cancel), so that its end is not taken for the user's scancel.
	CancelReason string `json:"cancel_reason,omitempty"`
	// NewestStepAtEnd is the newest complete step when the end was handled.
	NewestStepAtEnd int `json:"newest_step_at_end,omitempty"`

	// Accounting (pkg/goodput), from sacct and the job's log: absent in
	// records written before it was kept.
	SlurmSubmit time.Time     `json:"slurm_submit,omitzero"`
	Elapsed     time.Duration `json:"elapsed,omitempty"`
	AllocTRES   string        `json:"alloc_tres,omitempty"`
	NodeList    string        `json:"node_list,omitempty"`
	// Steps is what the job's log showed of training steps; FirstStepAt
	// is when its first step was printed, estimated when the daemon first
	// saw a step line as that moment less the steps since at the measured
	// step time.
	Steps       *goodput.StepStats `json:"steps,omitempty"`
	FirstStepAt time.Time          `json:"first_step_at,omitzero"`
}

// SuspectStep is a checkpoint step not to resume from, as its files were
// when it was judged.
type SuspectStep struct {
	Step    int       `json:"step"`
	ModTime time.Time `json:"mod_time"`
	At      time.Time `json:"at"`
	Jobs    []string  `json:"jobs"`
}

// Intent is a submission written to the ledger before sbatch runs.
type Intent struct {
	Tag string `json:"tag"`
	// Cluster is where the submission goes ("" = the local cluster).
	Cluster  string    `json:"cluster,omitempty"`
	Attempt  int       `json:"attempt"`
	FromStep int       `json:"from_step"`
	At       time.Time `json:"at"`
	// TimeLimit is the fitted --time given to sbatch (0: none).
	TimeLimit time.Duration `json:"time_limit,omitempty"`
	// After is set for a queued successor: the job it waits for.
	After string `json:"after,omitempty"`
}

// NewRunState is the state of a run the daemon has never seen.
func NewRunState(name string) RunState {
	return RunState{Name: name, Phase: PhaseWaiting, NewestStep: NoStep}
}

// Clone returns a deep copy, so that Decide never mutates its input.
func (s RunState) Clone() RunState {
	c := s
	c.Job, c.Successor = s.Job.clone(), s.Successor.clone()
	c.Intent, c.ResumeOverride, c.Hold = clonePtr(s.Intent), clonePtr(s.ResumeOverride), clonePtr(s.Hold)
	c.BadNodes = slices.Clone(s.BadNodes)
	c.Suspect = slices.Clone(s.Suspect)
	for i := range c.Suspect {
		c.Suspect[i].Jobs = slices.Clone(s.Suspect[i].Jobs)
	}
	c.ValBPB = slices.Clone(s.ValBPB)
	c.Saves = slices.Clone(s.Saves)
	c.Core = slices.Clone(s.Core)
	c.History = nil
	for i := range s.History {
		c.History = append(c.History, *s.History[i].clone())
	}
	return c
}

// Ref names the job with its cluster.
func (j JobRecord) Ref() slurm.JobRef { return slurm.JobRef{ID: j.ID, Cluster: j.Cluster} }

// Is reports whether the record is the job id on cluster.
func (j *JobRecord) Is(id, cluster string) bool {
	return j != nil && j.ID == id && j.Cluster == cluster
}

func (j *JobRecord) clone() *JobRecord {
	if j == nil {
		return nil
	}
	c := *j
	c.Hints = slices.Clone(j.Hints)
	c.Steps = clonePtr(j.Steps)
	return &c
}

// clonePtr is a copy of *p, nil for nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// mergePoints adds evaluations to a history keyed by step; a later value
// for the same step replaces the earlier one (a resumed job re-evaluates).
func mergePoints(have []trainer.Point, add []trainer.Point) []trainer.Point {
	for _, p := range add {
		i, found := slices.BinarySearchFunc(have, p.Step, func(a trainer.Point, step int) int { return a.Step - step })
		if found {
			have[i] = p
		} else {
			have = slices.Insert(have, i, p)
		}
	}
	return have
}

// NeverSaved reports whether the run has never had a complete checkpoint
// and no job of it resumed from one: a missing checkpoint directory is then
// a fresh start, not a hold.
func NeverSaved(st RunState) bool {
	if st.NewestStep != NoStep {
		return false
	}
	for _, j := range st.Jobs() {
		if j.ResumeStep >= 0 || j.NewestStepAtEnd > 0 {
			return false
		}
	}
	return true
}
