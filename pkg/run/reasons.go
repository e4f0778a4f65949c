package run

// Phase is where a run stands. The same strings appear in the state file,
// in status output and in log events.
type Phase string

const (
	// PhaseWaiting: no job is known and none will be submitted yet (start
	// mode adopt or wait, or no checkpoint to resume from).
	PhaseWaiting Phase = "waiting"
	// PhaseSubmitting: an intent to submit is recorded but its job id is
	// not; the next pass looks for the tagged job before anything else.
	PhaseSubmitting Phase = "submitting"
	// PhaseRunning: the run's job is pending or running in Slurm.
	PhaseRunning Phase = "running"
	// PhaseBackoff: the last job ended; the next submission waits until
	// BackoffUntil.
	PhaseBackoff Phase = "backoff"
	// PhaseUnknown: Slurm could not be asked; nothing is decided.
	PhaseUnknown Phase = "unknown"
	// PhaseDone: the targets are reached. Terminal.
	PhaseDone Phase = "done"
	// PhaseStopped: the daemon gave up or the user stopped the run. Terminal
	// until an operator resumes it.
	PhaseStopped Phase = "stopped"
	// PhasePaused: paused in the config; observed but never acted upon.
	PhasePaused Phase = "paused"
	// PhaseHeld: the checkpoint directory is missing or unreadable, or
	// its newest complete step went backwards; nothing is submitted until
	// it is back or the operator says otherwise (decide_hold.go).
	PhaseHeld Phase = "held"
)

// Terminal reports whether the daemon will never submit for the run again
// on its own.
func (p Phase) Terminal() bool { return p == PhaseDone || p == PhaseStopped }

// Reasons explain a plan. They are stable strings: logs, status, history and
// tests use the same words.
const (
	ReasonTargetReached        = "target_reached"
	ReasonTrainingFinished     = "training_finished"
	ReasonCompletedBelowTarget = "completed_below_target"
	ReasonCancelledByUser      = "cancelled_by_user"
	ReasonCancelledByOther     = "cancelled_by_other"
	ReasonCrashLoop            = "crash_loop"
	ReasonBudgetExhausted      = "budget_exhausted"
	ReasonPaused               = "paused"
	ReasonJobLive              = "job_live"
	ReasonJobNotInSacct        = "job_not_in_sacct_yet"
	ReasonJobMissing           = "job_missing"
	ReasonJobEnding            = "job_still_in_squeue"
	ReasonSlurmUnavailable     = "slurm_unavailable"
	ReasonCheckpointError      = "checkpoint_unreadable"
	ReasonCheckpointSettling   = "checkpoint_being_written"
	ReasonCheckpointDirMissing = "checkpoint_dir_missing"
	ReasonCheckpointRegressed  = "checkpoint_regressed"
	ReasonNoJob                = "no_job"
	ReasonNoCheckpoint         = "no_complete_checkpoint"
	ReasonAdoptedLive          = "adopted_live_job"
	ReasonAdoptedEnded         = "adopted_ended_job"
	ReasonAdoptedTagged        = "adopted_tagged_job"
	ReasonIntentPending        = "intent_unresolved"
	ReasonIntentVoid           = "intent_void"
	ReasonStartSubmit          = "start_submit"
	ReasonTimeout              = "timeout"
	ReasonTimeoutNoProgress    = "timeout_no_progress"
	ReasonAppFailure           = "app_failure"
	ReasonCompletedUnfinished  = "completed_training_unfinished"
	ReasonInfraFailure         = "infra_failure"
	ReasonBackoff              = "backoff"
	ReasonSbatchFailed         = "sbatch_failed"
	ReasonSbatchAmbiguous      = "sbatch_ambiguous"
	ReasonSbatchRejected       = "sbatch_rejected"
	ReasonOperatorResume       = "operator_resume"
	ReasonRunError             = "run_error"
	ReasonSuspectFallback      = "suspect_checkpoint_fallback"
	ReasonRestartRequired      = "restart_required"
	ReasonLeaseUnproven        = "lease_unproven"
	// ReasonTargetsRaised: the run was done, then its targets were raised
	// beyond what it reached; it waits for resume.
	ReasonTargetsRaised = "targets_raised"
	// ReasonOnDoneCancel: the job was cancelled because the run is done
	// and says on_done: cancel.
	ReasonOnDoneCancel = "on_done_cancel"

	// Why a job's log could not be read (log_unreadable, log_missing).
	ReasonLogMissing     = "log_missing"
	ReasonLogNotRegular  = "log_not_regular_file"
	ReasonLogReadTimeout = "log_read_timeout"
	ReasonLogError       = "log_read_error"
	// ReasonJobStalled: the running job's log and checkpoints have been
	// still for policy.stall_after_intervals save intervals, or for twice
	// the longest healthy silence learned (stall.go).
	ReasonJobStalled = "job_stalled"
	// ReasonStallCancel: the job was cancelled because it stalled and the
	// run says on_stall: cancel.
	ReasonStallCancel = "stall_cancel"
	// ReasonStalled: a job cancelled for stalling has ended; the run is
	// resubmitted as after an infrastructure failure.
	ReasonStalled = "stalled"
	// ReasonFitTooShort: a job given a fitted time limit (time_limit: fit)
	// timed out before its first save; the next job keeps the full limit.
	ReasonFitTooShort = "fitted_time_limit_too_short"
	// ReasonLastSave: with time_limit: fit, the running job was cancelled
	// right after the last save it could finish before its time limit (the
	// training after it would be lost at the TIMEOUT), and once ended it is
	// resubmitted from that save like a TIMEOUT after progress (fit.go).
	ReasonLastSave = "ended_after_last_save"
	// ReasonExcludeUnsatisfiable: sbatch refused a submission that
	// excluded the run's bad nodes (no node left to run on); the bad nodes
	// are forgotten and the run is submitted without them.
	ReasonExcludeUnsatisfiable = "exclude_unsatisfiable"
	// ReasonQueuedSuccessor: the run's job ended and the successor queued
	// behind it (queue_ahead: true) took over as the run's job.
	ReasonQueuedSuccessor = "queued_successor"
	// ReasonQueueAhead: a successor is queued behind the running job.
	ReasonQueueAhead = "queue_ahead"
)
