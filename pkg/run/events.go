package run

// Event names: the zap message of every decision log line. They are a
// contract (DESIGN.md); tests outside the repository rely on them.
const (
	EventRunAdopted           = "run_adopted"
	EventJobStateChanged      = "job_state_changed"
	EventCheckpointComplete   = "checkpoint_complete"
	EventCheckpointIncomplete = "checkpoint_incomplete"
	EventJobResubmitted       = "job_resubmitted"
	EventResubmitFailed       = "resubmit_failed"
	EventRunTargetReached     = "run_target_reached"
	EventRunStopped           = "run_stopped"
	EventRunBackoff           = "run_backoff"
	EventSlurmUnavailable     = "slurm_unavailable"
	EventConfigReloaded       = "config_reloaded"
	EventConfigRejected       = "config_rejected"
	EventCheckpointPruned     = "checkpoint_pruned"

	// Events added beyond the contract.
	EventSlurmAvailable    = "slurm_available"
	EventRunWaiting        = "run_waiting"
	EventSubmitIntent      = "submit_intent"
	EventRunError          = "run_error"
	EventRunDone           = "run_done"
	EventJobMissing        = "job_missing"
	EventOperatorResume    = "operator_resume"
	EventOperatorPause     = "operator_pause"
	EventOperatorUnpause   = "operator_unpause"
	EventCheckpointSuspect = "checkpoint_suspect"
	EventRunStalled        = "run_stalled"
	EventNotifyFailed      = "notify_failed"
	EventStorageLow        = "storage_low"
	EventConfigWarning     = "config_warning"
	// EventSlurmRowSkipped: a row of sacct or squeue output could not be
	// read and was left out; the other rows were used.
	EventSlurmRowSkipped = "slurm_row_skipped"
	EventLeaseUnproven   = "lease_unproven"
	// EventLeaseTakenOver: the daemon took over a stale lease; the
	// previous holder stopped without releasing it.
	EventLeaseTakenOver  = "lease_taken_over"
	EventJobStuckPending = "job_stuck_pending"
	EventJobCancelled    = "job_cancelled"

	// A run's checkpoints went missing, unreadable or backwards (the
	// first two are contract additions of DESIGN.md), and came back.
	EventCheckpointDirMissing   = "checkpoint_dir_missing"
	EventCheckpointRegressed    = "checkpoint_regressed"
	EventCheckpointHoldReleased = "checkpoint_hold_released"

	EventSbatchRejected = "sbatch_rejected"
	EventSlurmMissing   = "slurm_missing"
	EventJobRequeued    = "job_requeued"

	EventLogMissing    = "log_missing"
	EventLogUnreadable = "log_unreadable"
	EventPassOverrun   = "pass_overrun"

	// EventJobAccounted: a job ended; its hours, steps banked and lost
	// (pkg/goodput), recorded once.
	EventJobAccounted = "job_accounted"
	// EventJobQueued: a successor was queued behind the run's running job
	// (queue_ahead: true).
	EventJobQueued = "job_queued"
)

// Field keys of events. Stable: journalctl filters and external tests use
// them.
const (
	FieldRun        = "run"
	FieldJobID      = "job_id"
	FieldState      = "state"
	FieldExitCode   = "exit_code"
	FieldAttempt    = "attempt"
	FieldResumeStep = "resume_step"
	FieldNewJobID   = "new_job_id"
	FieldNewestStep = "newest_step"
	FieldValBPB     = "val_bpb"
	FieldCore       = "core_metric"
	FieldReason     = "reason"
	FieldError      = "error"
	FieldPrevState  = "prev_state"
	FieldHints      = "hints"
	FieldUntil      = "until"
	FieldDelay      = "delay"
	FieldTag        = "tag"
	FieldStep       = "step"
	FieldBytes      = "bytes"
	FieldProgress   = "progress"
	FieldWarning    = "warning"
	FieldMissing    = "missing"
	FieldPhase      = "phase"
	FieldSince      = "since"
	FieldKnownStep  = "known_step"
	FieldCount      = "count"
	FieldSteps      = "steps"
	// FieldCluster is the cluster of job_id/new_job_id when it is not the
	// local one.
	FieldCluster    = "cluster"
	FieldPath       = "path"
	FieldStderrTail = "stderr_tail"
	FieldTimeLimit  = "time_limit"
	FieldExclude    = "exclude"
	FieldAfter      = "after"
	FieldSuccessor  = "successor"
	// FieldTimeLeft is the time from a decision to the job's time limit;
	// FieldSaveInterval the run's measured time from one save to the next.
	FieldTimeLeft     = "time_left"
	FieldSaveInterval = "save_interval"
)

// Event is one decision or observation worth a log line and a journal
// record. Fields use the keys above.
type Event struct {
	Name   string         `json:"event"`
	Fields map[string]any `json:"fields,omitempty"`
}

func NewEvent(name, run string, kv ...any) Event {
	e := Event{Name: name, Fields: map[string]any{FieldRun: run}}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, _ := kv[i].(string); kv[i+1] != nil {
			e.Fields[k] = kv[i+1]
		}
	}
	return e
}
