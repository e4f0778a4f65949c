package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
)

// exitHold is resume-step's answer when the run is on hold (see its help):
// the job must not start, neither afresh nor from an older step.
const exitHold = 4

func newResumeStepCmd() *cobra.Command {
	c := &cobra.Command{
		Use:               "resume-step RUN",
		ValidArgsFunction: completeRuns,
		Short:             "Print the step a job of RUN starting now must resume from (nothing: fresh start)",
		Long: `resume-step prints the step a job of RUN starting now must resume from: the
newest complete checkpoint, verified as the daemon verifies it (with the
run's ranks), skipping steps the daemon found poisoned. It prints nothing
when there is no complete checkpoint: a fresh start (also when the
directory does not exist yet and the run never had a checkpoint).

It is meant for the first lines of the training script, on the compute
node, in place of a "ls model_*.pt | sort | tail" guess:

    STEP=$(nanosupervisord resume-step d20) || exit 1
    python -m scripts.base_train ... ${STEP:+--resume-from-step=$STEP}

It reads the configuration and the checkpoint directory (and the daemon's
state, when readable, for poisoned steps and to notice a regression). It
takes no lock and writes nothing.

Exit codes: 0 the step (or nothing) was printed; 1 an error (configuration,
unknown run, unreadable directory); 4 the run is on hold: the checkpoint
directory is missing although the run had checkpoints (or the state cannot
be read to tell), or its newest complete step went backwards. The job
must not train then: starting afresh would overwrite the run.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, rc, err := loadRun(c, a[0])
			if err != nil {
				return err
			}
			var known *run.RunState
			states, err := readStates(cfg.StateDir)
			if err != nil {
				// A compute node may not see the state directory: the
				// checkpoint directory alone decides then.
				fmt.Fprintf(c.ErrOrStderr(), "nanosupervisord: state not read, judging the checkpoint directory alone: %s\n", printable(err.Error()))
			} else {
				st := stateOf(states, rc.Name)
				known = &st
			}
			step, err := supervisor.ResumeStepFor(rc, known, time.Now())
			if errors.Is(err, supervisor.ErrCheckpointDirMissing) || errors.Is(err, supervisor.ErrCheckpointRegressed) {
				return withCode(exitHold, fmt.Errorf("%w; not starting (resume-step prints nothing only for a fresh start)", err))
			}
			if err != nil {
				return withCode(exitError, err)
			}
			if step != run.NoStep {
				fmt.Fprintln(c.OutOrStdout(), step)
			}
			return nil
		},
	}
	addFlags(c, configFlag)
	return c
}
