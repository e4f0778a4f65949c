package slurm

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"strings"
)

// verdict is the single classification result from which Classify,
// IsTransient and SubmitMayHaveCreatedJob are read.
type verdict struct {
	class    Class
	mayExist bool // for sbatch: the job may have been created
}

// stderrRule maps a message Slurm prints to a verdict. Rules are tried in
// order and the first match wins, so the more specific messages (a
// communication failure after the request was sent) come before the more
// general ones ("Batch job submission failed").
type stderrRule struct {
	all []string // lower-case substrings that must all occur in stderr
	verdict
}

var (
	transientMaybeSent = verdict{class: ClassTransient, mayExist: true}
	transientNotSent   = verdict{class: ClassTransient, mayExist: false}
	permanent          = verdict{class: ClassPermanent, mayExist: false}
)

// stderrRules holds the messages of Slurm 22.05 (slurm_errno.c, and the
// stderr captured in testdata). Matching is case-insensitive.
var stderrRules = []stderrRule{
	// The request may have reached slurmctld; only the reply went missing.
	{[]string{"socket timed out"}, transientMaybeSent},
	{[]string{"zero bytes were transmitted or received"}, transientMaybeSent},
	{[]string{"unable to contact slurm controller (send failure)"}, transientMaybeSent},
	{[]string{"unable to contact slurm controller (receive failure)"}, transientMaybeSent},
	{[]string{"unable to contact slurm controller (shutdown failure)"}, transientMaybeSent},
	{[]string{"message send failure"}, transientMaybeSent},
	{[]string{"message receive failure"}, transientMaybeSent},
	{[]string{"connection timed out establishing"}, transientNotSent},
	{[]string{"connection timed out"}, transientMaybeSent},
	{[]string{"transport endpoint is not connected"}, transientMaybeSent},

	// -M named a cluster slurmdbd does not know: a configuration error.
	// Slurm follows it with the "can't be reached now" line below.
	{[]string{"no cluster", "known by database"}, permanent},

	// slurmctld or slurmdbd could not be reached or is busy: nothing done.
	// A cluster named with -M whose slurmctld is down (or has not
	// registered with slurmdbd) "can't be reached now".
	{[]string{"can't be reached now"}, transientNotSent},
	{[]string{"unable to contact slurm controller"}, transientNotSent},
	{[]string{"communication connection failure"}, transientNotSent},
	{[]string{"slurm_persist_conn"}, transientNotSent},
	{[]string{"problem talking to the database"}, transientNotSent},
	{[]string{"unable to connect to database"}, transientNotSent},
	{[]string{"connection refused"}, transientNotSent},
	{[]string{"slurm backup controller in standby mode"}, transientNotSent},
	{[]string{"resource temporarily unavailable"}, transientNotSent},
	{[]string{"slurm temporarily unable to accept job"}, transientNotSent},
	{[]string{"rate limit exceeded"}, transientNotSent},
	{[]string{"try again later"}, transientNotSent},

	// Slurm understood the request and refused it.
	{[]string{"invalid account"}, permanent},
	{[]string{"invalid partition"}, permanent},
	{[]string{"invalid qos"}, permanent},
	{[]string{"unable to open file"}, permanent},
	{[]string{"invalid job id specified"}, permanent},
	{[]string{"job/step already completing or completed"}, permanent},
	{[]string{"access/permission denied"}, permanent},
	{[]string{"job violates accounting/qos policy"}, permanent},
	{[]string{"requested time limit is invalid"}, permanent},
	{[]string{"unrecognized option"}, permanent},
	{[]string{"invalid option"}, permanent},
	{[]string{"batch job submission failed", "invalid"}, permanent},
	// Any other reply to a submission is slurmctld's refusal; the
	// communication failures that mean otherwise are matched above.
	{[]string{"batch job submission failed"}, permanent},
}

// judge is the one place where failures are classified. Typed checks come
// first (timeouts, signals, programs that could not start, unreadable
// sbatch output); only then is stderr matched against stderrRules.
func judge(err error) verdict {
	if err == nil {
		return verdict{}
	}
	var cmdErr *CommandError
	isCmd := errors.As(err, &cmdErr)
	switch {
	case isCmd && cmdErr.TimedOut, errors.Is(err, context.DeadlineExceeded):
		return transientMaybeSent
	case errors.Is(err, context.Canceled):
		// The caller gave up; a killed sbatch may have done its work.
		return verdict{class: ClassUnknown, mayExist: true}
	}
	var parseErr *ParseError
	if errors.As(err, &parseErr) {
		// sbatch exited 0 but printed something we cannot read: the job
		// very likely exists; sacct and squeue output is simply unusable.
		return verdict{class: ClassUnknown, mayExist: parseErr.Cmd == "sbatch"}
	}
	if !isCmd {
		return verdict{}
	}
	if notStarted(cmdErr) {
		return permanent
	}
	if v, ok := matchStderr(cmdErr.Stderr); ok {
		return v
	}
	if killedBySignal(cmdErr) {
		return transientMaybeSent
	}
	return verdict{class: ClassUnknown, mayExist: true}
}

// notStarted reports whether the program never ran: missing, not
// executable, or its working directory does not exist.
func notStarted(e *CommandError) bool {
	var exitErr *exec.ExitError
	if errors.As(e.Err, &exitErr) {
		return false
	}
	return errors.Is(e.Err, exec.ErrNotFound) ||
		errors.Is(e.Err, fs.ErrNotExist) ||
		errors.Is(e.Err, fs.ErrPermission)
}

// killedBySignal reports whether the program ran and was killed by a
// signal we did not send (the OOM killer on a login node, an admin).
func killedBySignal(e *CommandError) bool {
	var exitErr *exec.ExitError
	return errors.As(e.Err, &exitErr) && exitErr.ExitCode() == -1
}

func matchStderr(stderr string) (verdict, bool) {
	if stderr == "" {
		return verdict{}, false
	}
	s := strings.ToLower(stderr)
	for _, r := range stderrRules {
		if containsAll(s, r.all) {
			return r.verdict, true
		}
	}
	return verdict{}, false
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
