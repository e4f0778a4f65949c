package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

func newHistoryCmd() *cobra.Command {
	c := &cobra.Command{
		Use:               "history RUN",
		ValidArgsFunction: completeRuns,
		Short:             "Print a run's decision journal",
		Args:              args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			run := a[0]
			recs := []ledger.Record{}
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
				fmt.Fprintf(c.ErrOrStderr(), "warning: journal: %s\n", printable(fmt.Sprint(p)))
			}
			if _, known := cfg.Runs[run]; len(recs) == 0 && !known {
				return noRun(cfg, run, " and none in the journal")
			}
			return output(c, recs, func(w io.Writer) {
				for _, r := range recs {
					printRecord(w, r)
				}
			})
		},
	}
	addFlags(c, configFlag|jsonFlag)
	return c
}

// printRecord prints one journal record as "time event key=value ...".
// A run's first submission (job_resubmitted with no job before it) reads
// "job_submitted"; numbers have at most 4 significant digits.
func printRecord(w io.Writer, r ledger.Record) {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(r.Fields)) {
		if k != "run" {
			fmt.Fprintf(&b, " %s=%s", printable(k), printable(fieldText(r.Fields[k])))
		}
	}
	event := r.Event
	if _, before := r.Fields[run.FieldJobID]; event == run.EventJobResubmitted && !before {
		event = "job_submitted"
	}
	fmt.Fprintf(w, "%s  %-22s%s\n", r.Time.Local().Format(time.DateTime), printable(event), b.String())
}

// fieldText prints a field value; floats (JSON numbers) with at most 4
// significant digits, whole numbers whole. The digits are rounded with 'g'
// and printed with 'f', so that a very small or large value does not turn
// into an exponent.
func fieldText(v any) string {
	f, ok := v.(float64)
	if !ok {
		return fmt.Sprint(v)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 4, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}
