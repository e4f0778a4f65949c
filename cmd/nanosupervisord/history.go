package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

func newHistoryCmd() *cobra.Command {
	var path string
	var asJSON bool
	c := &cobra.Command{
		Use:               "history RUN",
		ValidArgsFunction: completeRuns,
		Short:             "Print a run's decision journal",
		Args:              args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, err := loadConfig(path, c.ErrOrStderr())
			if err != nil {
				return err
			}
			run := a[0]
			var recs []ledger.Record
			problems, err := ledger.ReadJournal(cfg.StateDir, func(_ int, r ledger.Record) error {
				// "state" records carry a snapshot and no event: nothing to read.
				if r.Run == run && r.Event != "state" && r.Event != ledger.EventStateCarried {
					r.State = nil
					recs = append(recs, r)
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintf(c.ErrOrStderr(), "warning: journal: %s\n", p)
			}
			if len(recs) == 0 {
				if _, known := cfg.Runs[run]; !known {
					return withCode(exitError, fmt.Errorf("no run %q in %s and none in the journal", run, cfg.Path))
				}
			}
			if asJSON {
				if recs == nil {
					recs = []ledger.Record{}
				}
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(recs)
			}
			for _, r := range recs {
				printRecord(c.OutOrStdout(), r)
			}
			return nil
		},
	}
	configFlag(c, &path)
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// printRecord prints one journal record as "time event key=value ...".
func printRecord(w io.Writer, r ledger.Record) {
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		if k != "run" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, r.Fields[k])
	}
	fmt.Fprintf(w, "%s  %-22s%s\n", r.Time.Local().Format(time.DateTime), r.Event, b.String())
}
