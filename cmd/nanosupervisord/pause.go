package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

func newPauseCmd() *cobra.Command {
	return pauseCmd(run.RequestPause, "paused: observed, never acted upon", "Stop acting on a run: observe it, submit nothing, leave its job alone",
		`pause RUN makes the daemon leave RUN alone: its job is still followed in
sacct and shown by status, but nothing is submitted, adopted or resubmitted,
whatever happens to it. A job running now keeps running: pause is not
scancel. unpause RUN undoes it; an end the job reached meanwhile is then
handled as usual.

A run is paused while pause RUN or the configuration's runs.RUN.paused: true
says so; unpause undoes only the former. A done or stopped run stays done or
stopped.`)
}

func newUnpauseCmd() *cobra.Command {
	return pauseCmd(run.RequestUnpause, "unpaused: the next pass decides afresh", "Undo pause RUN: the daemon acts on the run again",
		`unpause RUN undoes pause RUN: at its next pass the daemon decides afresh,
handling an end the job reached while paused. A run paused in the
configuration (runs.RUN.paused: true) stays paused until that is removed.`)
}

// pauseCmd is pause or unpause, which print done once applied.
func pauseCmd(kind, done, short, long string) *cobra.Command {
	c := &cobra.Command{
		Use:               kind + " RUN",
		Short:             short,
		Long:              long,
		Args:              args(cobra.ExactArgs(1)),
		ValidArgsFunction: completeRuns,
		RunE: func(c *cobra.Command, a []string) error {
			cfg, rc, err := loadRun(c, a[0])
			if err != nil {
				return err
			}
			now := time.Now()
			req := run.NewRequest(kind, rc.Name, now)
			s, err := openOrHand(c, cfg, req)
			if s == nil {
				return err
			}
			defer s.Close()
			if err := s.sup.Apply(now, req); err != nil {
				return withCode(exitError, err)
			}
			fmt.Fprintf(c.OutOrStdout(), "run %s: %s\n", rc.Name, done)
			return nil
		},
	}
	addFlags(c, configFlag|logFlag)
	return c
}
