package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
)

func newPruneCmd() *cobra.Command {
	var dryRun bool
	c := &cobra.Command{
		Use:               "prune RUN",
		ValidArgsFunction: completeRuns,
		Short:             "Apply the run's checkpoint retention policy now",
		Long: `prune deletes the checkpoints of RUN that its retention policy (prune: in the
configuration) does not keep, as whole steps, model first and meta last. It
always keeps the newest complete step, the best val_bpb step, steps that may
still be being written, and every step an attempt resumed or will resume
from. --dry-run lists what would go and what stays, and why.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, _, err := loadRun(c, a[0])
			if err != nil {
				return err
			}
			log := commandLogger(c)
			var sup *supervisor.Supervisor
			s, err := openSession(cfg, log)
			if errors.As(err, new(*lease.HeldError)) {
				// The daemon runs: prune beside it, reading its state;
				// the events go to stderr only.
				sup, err = supervisor.New(supervisor.Options{Config: cfg, Slurm: slurmClient(cfg.Slurm), Logger: log})
			} else if err == nil {
				defer s.Close()
				sup = s.sup
			}
			if err != nil {
				return err
			}
			res, err := sup.Prune(a[0], dryRun)
			if err != nil {
				return withCode(exitError, err)
			}
			return output(c, res, func(w io.Writer) {
				tw := newTable(w, "STEP\tACTION\tBYTES\tWHY")
				for _, k := range res.Plan.Keep {
					fmt.Fprintf(tw, "%d\tkeep\t\t%s\n", k.Step, printable(k.Reason))
				}
				verb, freed := "deleted", fmt.Sprintf("freed %d bytes", res.Freed)
				if dryRun {
					verb, freed = "delete", fmt.Sprintf("dry run: would free %d bytes", res.Plan.FreedBytes)
				}
				for _, d := range res.Plan.Delete {
					why := "not kept by the policy"
					if !d.Complete {
						why = "torn leftover: " + d.Reason
					}
					fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", d.Step, verb, d.Bytes, printable(why))
				}
				tw.Flush()
				fmt.Fprintln(w, freed)
			})
		},
	}
	addFlags(c, configFlag|logFlag|jsonFlag)
	c.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be deleted; delete nothing")
	return c
}
