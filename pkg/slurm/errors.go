package slurm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"regexp"
	"strings"
)

// CommandError is a Slurm command that could not be run, did not exit 0,
// or was killed. It keeps everything needed to explain the failure later.
type CommandError struct {
	Cmd  string   // program name as asked for, e.g. "sbatch"
	Args []string // arguments, without the program name
	// ExitCode is the exit status; -1 when the program did not start or
	// was killed by a signal.
	ExitCode int
	Stderr   string // what the program printed to stderr (capped)
	// TimedOut is set when the command was killed because its deadline
	// (the runner's timeout or the caller's ctx deadline) passed.
	TimedOut bool
	Err      error // the underlying exec or context error
}

// maxArgsInMessage and maxStderrInMessage keep Error() to one readable
// line even for a sacct call with hundreds of job ids.
const (
	maxArgsInMessage   = 160
	maxStderrInMessage = 300
)

func (e *CommandError) Error() string {
	msg := e.Cmd
	if len(e.Args) > 0 {
		msg += " " + truncate(strings.Join(e.Args, " "), maxArgsInMessage)
	}
	switch {
	case e.TimedOut:
		msg += ": timed out, process group killed"
	case e.Err != nil:
		msg += ": " + strings.ReplaceAll(e.Err.Error(), "\n", "; ")
	default:
		msg += fmt.Sprintf(": exit status %d", e.ExitCode)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + truncate(strings.ReplaceAll(s, "\n", " / "), maxStderrInMessage)
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// Class is what a failed Slurm command means for whoever wants to retry it.
type Class int

const (
	// ClassUnknown: not recognised. The caller should treat the result as
	// "no information" and neither retry blindly nor give up for good.
	ClassUnknown Class = iota
	// ClassTransient: Slurm, its database or the command was unreachable,
	// busy or too slow. The same command may well work later.
	ClassTransient
	// ClassPermanent: Slurm understood and refused the request, or the
	// program cannot be run. Repeating the same command will not help.
	ClassPermanent
)

// Classify says whether err, as returned by a Runner or a Client method,
// is worth retrying.
func Classify(err error) Class { return judge(err).class }

// IsTransient reports whether the failed command may succeed if repeated
// later: timeouts, a controller or database that cannot be reached, a
// busy controller.
func IsTransient(err error) bool { return judge(err).class == ClassTransient }

// SubmitMayHaveCreatedJob reports whether, after sbatch failed with err,
// the job may exist anyway: the request may have reached slurmctld and only
// the answer was lost (timeouts, "Socket timed out", a killed sbatch,
// unreadable output after exit 0). When in doubt it says true, because a
// twin training job costs far more than looking the job up first. It says
// false only when the job was certainly not created: sbatch never started,
// slurmctld could not be contacted at all, or slurmctld answered with a
// rejection.
func SubmitMayHaveCreatedJob(err error) bool { return judge(err).mayExist }

// Rejection returns Slurm's own words when err is a permanent refusal by a
// Slurm program that ran and answered (Invalid account, partition or QOS,
// a script it cannot open, a job that violates limits, an unknown
// cluster): repeating the same command will be refused again. It is false
// for a program that could not be started (Slurm not installed where
// looked for) and for everything transient or unknown.
func Rejection(err error) (evidence string, ok bool) {
	var cmdErr *CommandError
	if !errors.As(err, &cmdErr) || notStarted(cmdErr) || judge(err).class != ClassPermanent {
		return "", false
	}
	evidence = strings.TrimSpace(cmdErr.Stderr)
	return evidence, evidence != ""
}

// NotFound reports whether err is a Slurm program that is not where the
// runner looks for it (ExecRunner.BinDir, or PATH): Slurm is not installed
// there, which is a configuration error rather than an outage.
func NotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// NodesUnavailable reports whether sbatch refused a job because no node can
// satisfy it, as when --exclude names every node of the partition
// (measured: "Requested node configuration is not available").
func NodesUnavailable(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce) && strings.Contains(strings.ToLower(ce.Stderr), "requested node configuration is not available")
}

// verdict is the single classification result from which Classify,
// IsTransient, Rejection and SubmitMayHaveCreatedJob are read.
type verdict struct {
	class    Class
	mayExist bool // for sbatch: the job may have been created
}

var (
	transientMaybeSent = verdict{class: ClassTransient, mayExist: true}
	transientNotSent   = verdict{class: ClassTransient, mayExist: false}
	permanent          = verdict{class: ClassPermanent, mayExist: false}
)

// stderrRules maps the messages of Slurm 22.05 (slurm_errno.c, and the
// stderr captured in testdata), matched case-insensitively, to verdicts.
// The first match wins, so the more specific messages (a communication
// failure after the request was sent) come before the more general ones
// ("Batch job submission failed").
var stderrRules = []struct {
	re *regexp.Regexp
	verdict
}{
	// The request may have reached slurmctld; only the reply went missing.
	{regexp.MustCompile(`socket timed out|zero bytes were transmitted or received|` +
		`unable to contact slurm controller \((send|receive|shutdown) failure\)|message (send|receive) failure`), transientMaybeSent},
	{regexp.MustCompile(`connection timed out establishing`), transientNotSent},
	{regexp.MustCompile(`connection timed out|transport endpoint is not connected`), transientMaybeSent},
	// -M named a cluster slurmdbd does not know: a configuration error.
	// Slurm follows it with the "can't be reached now" line below.
	{regexp.MustCompile(`(?s)no cluster .*known by database`), permanent},
	// slurmctld or slurmdbd could not be reached or is busy: nothing done.
	// A cluster named with -M whose slurmctld is down (or has not
	// registered with slurmdbd) "can't be reached now".
	{regexp.MustCompile(`can't be reached now|unable to contact slurm controller|communication connection failure|` +
		`slurm_persist_conn|problem talking to the database|unable to connect to database|connection refused|` +
		`slurm backup controller in standby mode|resource temporarily unavailable|` +
		`slurm temporarily unable to accept job|rate limit exceeded|try again later`), transientNotSent},
	// Slurm understood the request and refused it. Any other reply to a
	// submission is slurmctld's refusal; the communication failures that
	// mean otherwise are matched above.
	{regexp.MustCompile(`invalid account|invalid partition|invalid qos|unable to open file|invalid job id specified|` +
		`job/step already completing or completed|access/permission denied|job violates accounting/qos policy|` +
		`requested time limit is invalid|unrecognized option|invalid option|batch job submission failed`), permanent},
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
	stderr := strings.ToLower(cmdErr.Stderr)
	for _, r := range stderrRules {
		if r.re.MatchString(stderr) {
			return r.verdict
		}
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
