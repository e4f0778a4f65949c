package main

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

func newReportCmd() *cobra.Command {
	c := &cobra.Command{
		Use:               "report RUN",
		ValidArgsFunction: completeRuns,
		Short:             "Account for a run's jobs: hours allocated, banked, lost; goodput",
		Long: `report reads the daemon's state (it needs no running daemon) and prints one
line per job of RUN, oldest first: the hours it was allocated (GPU-hours from
the gres/gpu in sacct's AllocTRES; CPU-hours, so labelled, where a job has no
GPU), the training steps it banked in complete checkpoints and those it
trained after the last one and lost, costed at the measured step time, its
queue wait (submit to start), restart time (start to the first training step)
and the reaction (its end to the next submission). The totals end with the
goodput: hours of banked training over hours allocated. When the step time,
the checkpoint interval and the time limit are known it advises a
--save-every that makes a TIMEOUT lose little.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, states, err := loadStates(c)
			if err != nil {
				return err
			}
			if _, known := states[a[0]]; !known && cfg.Runs[a[0]] == nil {
				return noRun(cfg, a[0], "")
			}
			rep := newRunReport(stateOf(states, a[0]), time.Now())
			return output(c, rep, func(w io.Writer) { printReport(w, rep) })
		},
	}
	addFlags(c, configFlag|jsonFlag)
	return c
}

// runReport is report's JSON: hours in Unit-hours, durations in seconds.
type runReport struct {
	Run  string `json:"run"`
	Unit string `json:"unit,omitempty"`
	goodput.Tally
	QueueWait float64     `json:"queue_wait_seconds"`
	StepTime  float64     `json:"step_time_seconds,omitempty"`
	Jobs      []reportJob `json:"jobs"`
	Advice    *advice     `json:"advice,omitempty"`
}

type reportJob struct {
	JobID    string `json:"job_id"`
	State    string `json:"state,omitempty"`
	NodeList string `json:"node_list,omitempty"`
	goodput.Alloc
	goodput.Tally
	StepTime  float64  `json:"step_time_seconds,omitempty"`
	QueueWait float64  `json:"queue_wait_seconds"`
	Restart   *float64 `json:"restart_seconds,omitempty"`
	Reaction  *float64 `json:"reaction_seconds,omitempty"`
}

func newRunReport(st run.RunState, now time.Time) runReport {
	a := run.AccountRun(st, now)
	r := runReport{Run: st.Name, Unit: a.Unit, Tally: a.Tally, QueueWait: a.QueueWait.Seconds(),
		StepTime: a.StepTime.Seconds(), Jobs: []reportJob{}}
	for _, j := range a.Jobs {
		r.Jobs = append(r.Jobs, reportJob{JobID: j.JobID, State: j.State, NodeList: j.NodeList, Alloc: j.Alloc, Tally: j.Tally,
			StepTime: j.StepTime.Seconds(), QueueWait: j.QueueWait.Seconds(),
			Restart: unless(max(j.Restart, 0).Seconds(), 0), Reaction: unless(max(j.Reaction, 0).Seconds(), 0)})
	}
	r.Advice = saveAdvice(st, a)
	return r
}

func printReport(w io.Writer, r runReport) {
	unit := cmp.Or(r.Unit, goodput.UnitGPU)
	fmt.Fprintf(w, "%s: %d job(s), %s %s-hours allocated, goodput %s; %s %s-hours of training lost (%d steps)\n",
		printable(r.Run), len(r.Jobs), hours(r.AllocHours), printable(unit), percent(r.Goodput), hours(r.LostHours),
		printable(unit), r.LostSteps)
	if len(r.Jobs) > 0 {
		tw := newTable(w, "JOB\tSTATE\tNODES\tALLOC\tHOURS\tBANKED\tBANKED_H\tLOST\tLOST_H\tSTEP\tQUEUE\tRESTART\tREACTION\tGOODPUT")
		for _, j := range r.Jobs {
			alloc := "-"
			if j.Count > 0 {
				alloc = strconv.Itoa(j.Count) + " " + j.Unit
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(j.JobID),
				printable(cmp.Or(shortState(j.State), "-")), printable(cmp.Or(j.NodeList, "-")), printable(alloc), hours(j.AllocHours), j.BankedSteps,
				hours(j.BankedHours), j.LostSteps, hours(j.LostHours), stepTime(j.StepTime),
				secondsText(&j.QueueWait), secondsText(j.Restart), secondsText(j.Reaction), percent(j.Goodput))
		}
		tw.Flush()
	}
	if r.Advice != nil {
		fmt.Fprintf(w, "%s: %s\n", printable(r.Run), r.Advice.Text)
	}
}

func hours(h float64) string { return strconv.FormatFloat(h, 'f', 3, 64) }

func percent(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p*100, 'f', 1, 64) + "%"
}

func stepTime(s float64) string {
	if s <= 0 {
		return "-"
	}
	return strconv.FormatFloat(s, 'f', 3, 64) + "s"
}

func secondsText[T int64 | float64](s *T) string {
	if s == nil {
		return "-"
	}
	return shortDuration(time.Duration(float64(*s) * float64(time.Second)))
}
