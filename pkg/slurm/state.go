package slurm

import "strings"

// StateName is a Slurm job state as sacct and squeue spell it.
type StateName string

// The job states this package and its callers act on.
const (
	StatePending     StateName = "PENDING"
	StateRunning     StateName = "RUNNING"
	StateRequeued    StateName = "REQUEUED"
	StateCompleted   StateName = "COMPLETED"
	StateFailed      StateName = "FAILED"
	StateTimeout     StateName = "TIMEOUT"
	StateCancelled   StateName = "CANCELLED"
	StateOutOfMemory StateName = "OUT_OF_MEMORY"
	StateNodeFail    StateName = "NODE_FAIL"
	StatePreempted   StateName = "PREEMPTED"
	StateBootFail    StateName = "BOOT_FAIL"
	StateDeadline    StateName = "DEADLINE"
	StateRevoked     StateName = "REVOKED"
)

// knownStates lists every job state of Slurm 22.05 (job_state_string in
// src/common/slurm_protocol_defs.c), for case folding and for expanding
// names that fixed-width output cut short.
var knownStates = []StateName{
	StatePending, StateRunning, StateRequeued, "SUSPENDED", "COMPLETING",
	"CONFIGURING", StateCompleted, StateFailed, StateTimeout, StateCancelled,
	StateOutOfMemory, StateNodeFail, StatePreempted, StateBootFail, StateDeadline,
	StateRevoked, "SPECIAL_EXIT", "RESIZING", "REQUEUE_HOLD", "REQUEUE_FED",
	"RESV_DEL_HOLD", "SIGNALING", "STAGE_OUT", "STOPPED",
}

// State is a parsed job state.
type State struct {
	Name StateName
	// By is the uid after "CANCELLED by", "" otherwise. It tells a
	// cancellation by the user from one by an administrator.
	By string
	// Raw is the text as Slurm printed it.
	Raw string
}

// ParseState reads a state as sacct or squeue print it. It is tolerant
// on purpose, because a state it cannot read must still be shown to the
// user: "CANCELLED by 1000" yields {StateCancelled, "1000"}, a name cut
// short by fixed-width output ("CANCELLED+", "OUT_OF_ME+") is expanded
// when exactly one known state starts with it, names are matched without
// regard to case, and unknown names are kept as printed.
func ParseState(s string) State {
	st := State{Raw: s}
	text := strings.TrimSpace(s)
	if name, by, ok := strings.Cut(text, " by "); ok {
		text, st.By = strings.TrimSpace(name), strings.TrimSpace(by)
	}
	st.Name = canonicalState(text)
	return st
}

func canonicalState(text string) StateName {
	for _, k := range knownStates {
		if strings.EqualFold(text, string(k)) {
			return k
		}
	}
	prefix, truncated := strings.CutSuffix(text, "+")
	if !truncated || prefix == "" {
		return StateName(text)
	}
	var match StateName
	for _, k := range knownStates {
		if len(k) >= len(prefix) && strings.EqualFold(string(k[:len(prefix)]), prefix) {
			if match != "" {
				return StateName(text) // ambiguous: keep what was printed
			}
			match = k
		}
	}
	if match == "" {
		return StateName(text)
	}
	return match
}

// Terminal reports whether the job (this instance of it) has ended. Note
// that NODE_FAIL and PREEMPTED can be followed by a new PENDING instance
// with the same job id when Slurm requeues the job; sacct without -D then
// shows only the new instance.
func (s State) Terminal() bool {
	switch s.Name {
	case StateCompleted, StateFailed, StateTimeout, StateCancelled, StateOutOfMemory,
		StateNodeFail, StatePreempted, StateBootFail, StateDeadline, StateRevoked:
		return true
	}
	return false
}

// String gives the state in Slurm's spelling, e.g. "CANCELLED by 1000".
func (s State) String() string {
	if s.By != "" {
		return string(s.Name) + " by " + s.By
	}
	return string(s.Name)
}
