package fakeslurm

import (
	"fmt"
	"strconv"
	"strings"
)

// Outcome is how a hands-off job ends: it starts RUNNING on the first
// sacct/squeue call that sees it and ends in State with ExitCode after
// After further sacct calls that see it. State PENDING keeps the job
// pending forever; RUNNING keeps it running until told otherwise.
type Outcome struct {
	State    string `json:"state"` // CANCELLED becomes "CANCELLED by UID" when applied
	ExitCode string `json:"exit_code"`
	After    int    `json:"after"`
}

// outcomeStates are the states an outcome may name.
var outcomeStates = map[string]bool{
	stateCompleted: true, stateFailed: true, stateTimeout: true, stateCancelled: true,
	stateOOM: true, stateNodeFail: true, statePreempted: true, "BOOT_FAIL": true,
	"DEADLINE": true, statePending: true, stateRunning: true,
}

// ParseOutcome parses STATE[:CODE[:SIGNAL]][@K], e.g. TIMEOUT@3, FAILED:1@2,
// OUT_OF_MEMORY@0, COMPLETED. K defaults to 1; CODE defaults to the state's
// usual exit code (FAILED 1:0, OUT_OF_MEMORY 0:125, otherwise 0:0).
func ParseOutcome(s string) (Outcome, error) {
	spec, after := s, 1
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 0 {
			return Outcome{}, fmt.Errorf("outcome %q: the count after @ must be a non-negative integer", s)
		}
		spec, after = s[:i], n
	}
	state, code, hasCode := strings.Cut(spec, ":")
	state = strings.ToUpper(strings.TrimSpace(state))
	if !outcomeStates[state] {
		return Outcome{}, fmt.Errorf("outcome %q: unknown state %q", s, state)
	}
	o := Outcome{State: state, ExitCode: defaultExitCode(state), After: after}
	if hasCode {
		ec, err := normalizeExitCode(code)
		if err != nil {
			return Outcome{}, fmt.Errorf("outcome %q: %w", s, err)
		}
		o.ExitCode = ec
	}
	return o, nil
}

// normalizeExitCode accepts "3" or "3:0" and returns "code:signal".
func normalizeExitCode(s string) (string, error) {
	code, sig, hasSig := strings.Cut(s, ":")
	if !hasSig {
		sig = "0"
	}
	c, err1 := strconv.Atoi(code)
	g, err2 := strconv.Atoi(sig)
	if err1 != nil || err2 != nil || c < 0 || c > 255 || g < 0 || g > 255 {
		return "", fmt.Errorf("exit code %q: want CODE or CODE:SIGNAL (0-255)", s)
	}
	return strconv.Itoa(c) + ":" + strconv.Itoa(g), nil
}
