package fakeslurm

import (
	"strconv"
	"strings"
)

// Job is one job as the fake slurmctld and slurmdbd know it. Times are Unix
// seconds (Slurm keeps whole seconds); 0 means unset.
type Job struct {
	ID        int      `json:"id"`
	Name      string   `json:"name"`
	Script    string   `json:"script"` // as given to sbatch
	Args      []string `json:"args,omitempty"`
	WorkDir   string   `json:"workdir"`
	Comment   string   `json:"comment,omitempty"`
	Partition string   `json:"partition,omitempty"`
	Account   string   `json:"account,omitempty"`
	// Cluster is the cluster named with -M ("" = the local one). Ids are
	// unique across clusters here, but each command sees only the jobs of
	// the cluster it names.
	Cluster      string `json:"cluster,omitempty"`
	Output       string `json:"output,omitempty"` // --output pattern as given
	ErrorPath    string `json:"error,omitempty"`  // --error pattern as given
	TimeLimitMin int    `json:"time_limit_min"`   // 0 = UNLIMITED
	TimeLimitSet bool   `json:"time_limit_set"`   // --time given (else the partition's)
	GPUs         int    `json:"gpus,omitempty"`   // --gres=gpu:N or --gpus=N
	State        string `json:"state"`            // sacct text, e.g. "CANCELLED by 1000"
	ExitCode     string `json:"exit_code"`        // "code:signal"
	Submit       int64  `json:"submit"`
	Start        int64  `json:"start,omitempty"`
	End          int64  `json:"end,omitempty"`

	// PendingReason is squeue's %r while the job pends ("" prints None).
	PendingReason string `json:"pending_reason,omitempty"`
	// AfterAny is the job this one waits for (--dependency=afterany:N);
	// HeldScript is its batch script in exec mode, started when N ends
	// (dependency.go).
	AfterAny   int    `json:"after_any,omitempty"`
	HeldScript []byte `json:"held_script,omitempty"`

	// Hidden jobs have no sacct row yet (the 0.2-1.8 s after submission).
	Hidden bool `json:"hidden,omitempty"`
	// SacctLag is how many more sacct calls see no row for this job.
	SacctLag int `json:"sacct_lag,omitempty"`
	// Allocation makes sacct show JobName "allocation" with an empty WorkDir
	// and Comment, as slurmdbd does for a while after a job starts or ends.
	Allocation bool `json:"allocation,omitempty"`
	// Purged jobs have left slurmctld: squeue no longer lists them.
	Purged bool `json:"purged,omitempty"`

	// Outcome, when set, drives the job hands-off (see Outcome).
	Outcome *Outcome `json:"outcome,omitempty"`
	// AutoRun jobs start on the first sacct/squeue call and run until told.
	AutoRun bool `json:"auto_run,omitempty"`
	// Countdown is the number of further sacct calls before Outcome applies.
	Countdown int `json:"countdown,omitempty"`

	// Exec is set when FAKESLURM_EXEC=1 started a real process for the job.
	Exec *ExecInfo `json:"exec,omitempty"`
}

// ExecInfo records the process group started for a job in exec mode.
type ExecInfo struct {
	PID        int    `json:"pid"` // also the process group id
	StatusFile string `json:"status_file"`
	// KillAt is when SIGKILL follows the SIGTERM sent at the end of the job
	// (KillWait); 0 when no kill is pending.
	KillAt int64 `json:"kill_at,omitempty"`
}

// Slurm state names the fake produces.
const (
	statePending   = "PENDING"
	stateRunning   = "RUNNING"
	stateCompleted = "COMPLETED"
	stateFailed    = "FAILED"
	stateTimeout   = "TIMEOUT"
	stateCancelled = "CANCELLED"
	stateOOM       = "OUT_OF_MEMORY"
	stateNodeFail  = "NODE_FAIL"
	statePreempted = "PREEMPTED"
)

// liveStates are the states in which a job still holds (or waits for)
// resources; everything else is an ended job.
var liveStates = map[string]bool{
	statePending: true, stateRunning: true, "REQUEUED": true, "SUSPENDED": true,
	"COMPLETING": true, "CONFIGURING": true, "RESIZING": true, "STOPPED": true,
}

// endedStates are the final states Slurm knows.
var endedStates = map[string]bool{
	stateCompleted: true, stateFailed: true, stateTimeout: true, stateCancelled: true,
	stateOOM: true, stateNodeFail: true, statePreempted: true, "BOOT_FAIL": true,
	"DEADLINE": true, "SPECIAL_EXIT": true, "REVOKED": true,
}

// baseState is the state name without squeue-invisible detail:
// "CANCELLED by 1000" -> "CANCELLED".
func baseState(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// Live reports whether the job is pending or running (not ended).
func (j *Job) Live() bool { return liveStates[baseState(j.State)] }

// finish ends the job in state with exitCode at now. A job that never
// started keeps Start 0, which sacct prints as "None".
func (j *Job) finish(state, exitCode string, now int64) {
	j.State = state
	j.ExitCode = exitCode
	j.End = now
	j.Outcome = nil
	j.AutoRun = false
	j.Countdown = 0
}

// squeueReason is the %r text: job_reason_string of the state_reason
// slurmctld sets when a job ends this way.
func squeueReason(state string) string {
	switch baseState(state) {
	case stateFailed:
		return "NonZeroExitCode"
	case stateTimeout:
		return "TimeLimit"
	case stateOOM:
		return "OutOfMemory"
	case stateNodeFail:
		return "NodeDown"
	}
	return "None"
}

// defaultExitCode is the sacct ExitCode a job ending in state shows when
// nobody said otherwise (SLURM-FACTS.md outcome table).
func defaultExitCode(state string) string {
	switch baseState(state) {
	case stateFailed:
		return "1:0"
	case stateOOM:
		return "0:125"
	}
	return "0:0"
}

// exitCodeFromStatus turns a shell exit status into sacct's code:signal.
// Slurm shows codes of 128 or more minus 128 (exit 143 is shown as 15:0).
func exitCodeFromStatus(status int) string {
	if status >= 128 {
		status -= 128
	}
	return strconv.Itoa(status) + ":0"
}

// cancelledBy is the sacct state text of a job cancelled by uid.
func cancelledBy(uid int) string { return stateCancelled + " by " + strconv.Itoa(uid) }
