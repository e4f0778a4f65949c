package slurm

import (
	"errors"
	"fmt"
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
	var b strings.Builder
	b.WriteString(e.Cmd)
	if len(e.Args) > 0 {
		b.WriteByte(' ')
		b.WriteString(truncate(strings.Join(e.Args, " "), maxArgsInMessage))
	}
	b.WriteString(": ")
	switch {
	case e.TimedOut:
		b.WriteString("timed out, process group killed")
	case e.Err != nil:
		b.WriteString(strings.ReplaceAll(e.Err.Error(), "\n", "; "))
	default:
		fmt.Fprintf(&b, "exit status %d", e.ExitCode)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		b.WriteString(": ")
		b.WriteString(truncate(strings.ReplaceAll(s, "\n", " / "), maxStderrInMessage))
	}
	return b.String()
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

func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassPermanent:
		return "permanent"
	}
	return "unknown"
}

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
