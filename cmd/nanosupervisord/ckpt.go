package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
)

func newCkptCmd() *cobra.Command {
	var ranks int
	var newest bool
	var settle time.Duration
	c := &cobra.Command{
		Use:   "ckpt DIR",
		Short: "Judge every checkpoint step in DIR; print the newest complete one",
		Long: `ckpt verifies every step of a nanochat checkpoint directory: model, meta and
one optimizer shard per rank, each file intact (zip structure, meta JSON and
its step). It prints a verdict with the reason for each step, and the newest
complete step. Exit 1 when there is no complete step.

With --newest it verifies only what the daemon verifies: steps newest first
until the first complete one, so the cost does not grow with the number of
older steps; those are counted by name, unopened.

A file modified within --settle may still be growing (nanochat writes under
the final names), so its step counts as still being written. Once no job
writes to DIR, --settle 0 judges every step as it is.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			opt := ckpt.Options{Ranks: ranks, Now: time.Now(), SettleTime: settle}
			if newest {
				opt.Newest = 1
			}
			rep, err := ckpt.ScanDir(a[0], opt)
			if err != nil {
				return err
			}
			newest, ok := rep.NewestComplete()
			out := struct {
				ckpt.Report
				NewestComplete *int `json:"newest_complete"`
			}{Report: rep}
			newestText := "none"
			if ok {
				out.NewestComplete, newestText = &newest.Step, strconv.Itoa(newest.Step)
			}
			err = output(c, out, func(w io.Writer) {
				tw := newTable(w, "STEP\tVERDICT\tBYTES\tREASON")
				for _, s := range rep.Steps {
					verdict := "incomplete"
					if s.Complete {
						verdict = "complete"
					}
					fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", s.Step, verdict, s.Bytes, printable(s.Reason))
				}
				tw.Flush()
				for _, n := range rep.Notes {
					fmt.Fprintln(w, "note:", printable(n))
				}
				how := "given"
				if rep.RanksInferred {
					how = "inferred"
				}
				if len(rep.Unverified) > 0 {
					fmt.Fprintf(w, "older steps complete by name, not verified (--newest): %d\n", len(rep.Unverified))
				}
				fmt.Fprintf(w, "ranks: %d (%s)\nnewest complete step: %s\n", rep.Ranks, how, newestText)
			})
			if err == nil && !ok {
				return withCode(exitError, errSilent)
			}
			return err
		},
	}
	c.Flags().IntVar(&ranks, "ranks", 0, "optimizer shards per step (0: infer from the files)")
	addFlags(c, jsonFlag)
	c.Flags().DurationVar(&settle, "settle", ckpt.Settle, "how long a file must be unmodified to count as written (0: no job writes to DIR)")
	c.Flags().BoolVar(&newest, "newest", false, "verify only the newest complete step and the steps after it")
	return c
}
