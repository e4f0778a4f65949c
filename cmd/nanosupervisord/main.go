// Command nanosupervisord supervises nanochat training runs on Slurm: it
// resubmits jobs that time out or crash, from the newest complete
// checkpoint, until the run's targets are reached.
//
// This file and its siblings only wire packages together and speak to the
// user; every decision lives in pkg/supervisor.
package main

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0
	exitError    = 1 // a failure, or an invalid configuration
	exitUsage    = 2 // bad command line
	exitLockHeld = 3 // another instance holds the state directory
)

// codeError carries an exit code through cobra.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &codeError{code: code, err: err} }

func usageError(err error) error { return withCode(exitUsage, err) }

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Main runs the command line with the given arguments and streams and
// returns the exit code. Tests call it in-process.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	ce := &codeError{code: exitError, err: err}
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
	case strings.HasPrefix(err.Error(), "unknown command"):
		// cobra reports unknown verbs with a plain error.
		ce.code = exitUsage
	}
	if ce.err != errSilent {
		printLines(stderr, "nanosupervisord: "+ce.err.Error())
	}
	return ce.code
}

// errSilent marks an error whose message was already printed.
var errSilent = errors.New("")

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "nanosupervisord",
		Short: "Supervise nanochat training runs on Slurm until their targets are reached",
		Long: `nanosupervisord watches nanochat training jobs on Slurm. When a job times out,
crashes or is preempted, it finds the newest complete checkpoint and resubmits
your own sbatch script with the resume step, until the run's val_bpb and CORE
targets are reached. Every decision is logged with its evidence.

Configuration: ` + "`$XDG_CONFIG_HOME/nanosupervisord/config.yaml`" + ` (see config.example.yaml).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(
		newRunCmd(), newTickCmd(), newPlanCmd(), newCheckConfigCmd(), newStatusCmd(),
		newHistoryCmd(), newCkptCmd(), newResumeCmd(), newPruneCmd(), newVersionCmd(),
		newPlotCmd(), newPauseCmd(), newUnpauseCmd(), newReportCmd(), newResumeStepCmd(),
	)
	return root
}

// args makes a failed cobra argument check exit with exitUsage.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := check(c, a); err != nil {
			return usageError(err)
		}
		return nil
	}
}
