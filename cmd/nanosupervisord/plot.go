package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/plot"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func newPlotCmd() *cobra.Command {
	var out string
	var asCSV, asJSON, wallClock bool
	c := &cobra.Command{
		Use:               "plot RUN -o FILE.svg | --csv | --json",
		ValidArgsFunction: completeRuns,
		Short:             "Draw a run's val_bpb and CORE over steps as an SVG image",
		Long: `plot reads the daemon's state (it needs no running daemon and changes
nothing) and draws the run's val_bpb and CORE evaluations against the
training step: one colour band per Slurm job over the steps it trained, a
line at every resubmission labelled with the new job and why the previous
one ended, and the targets as dashed lines. -o - writes to standard output.

--wall-clock draws the run's steps against time instead: each job from
its start to its end, its queue wait dotted, and the steps it trained
after its last complete checkpoint, lost when it ended, in red.

The image is SVG only. --csv or --json exports every evaluation instead,
with the job that made it (to standard output, or to -o FILE).`,
		Example: `  nanosupervisord plot d20 -o d20.svg && xdg-open d20.svg
  nanosupervisord plot d20 --wall-clock -o d20-time.svg
  nanosupervisord plot d20 -o d20.svg && rsvg-convert d20.svg -o d20.png
  nanosupervisord plot d20 --csv > d20.csv`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			export := asCSV || asJSON
			switch {
			case asCSV && asJSON:
				return usageError(errors.New("plot: --csv or --json, not both"))
			case wallClock && export:
				return usageError(errors.New("plot: --wall-clock draws an image; --csv and --json export evaluations"))
			case out == "" && !export:
				return usageError(errors.New("plot needs -o FILE.svg (or -o - for standard output), or --csv / --json"))
			case !export && out != "-" && !strings.EqualFold(filepath.Ext(out), ".svg"):
				return usageError(fmt.Errorf("plot draws SVG only, not %[1]q: write %[2]s and convert it, e.g. rsvg-convert %[2]s -o %[1]s",
					out, strings.TrimSuffix(out, filepath.Ext(out))+".svg"))
			}
			cfg, states, err := loadStates(c)
			if err != nil {
				return err
			}
			runName := a[0]
			_, known := states[runName]
			rc, configured := cfg.Runs[runName]
			if !known && !configured {
				return noRun(cfg, runName, " and none in the state in "+cfg.StateDir)
			}
			st := stateOf(states, runName)
			d := plot.Data{Run: st.Name, ValBPB: slices.Clone(st.ValBPB), Core: slices.Clone(st.Core), Jobs: plotJobs(st)}
			if configured {
				d.TargetValBPB, d.TargetCore = rc.Targets.ValBPB, rc.Targets.CoreMetric
			}
			var b bytes.Buffer
			switch {
			case asCSV:
				err = writeEvaluationsCSV(&b, evaluations(d))
			case asJSON:
				err = writeJSON(&b, evaluations(d))
			case wallClock:
				err = plot.TimelineSVG(&b, timelineData(st, time.Now()))
			default:
				err = plot.SVG(&b, d)
			}
			if err != nil {
				return err
			}
			if out == "-" || (export && out == "") {
				_, err := c.OutOrStdout().Write(b.Bytes())
				return err
			}
			// Replace the file whole, so that a browser reloading it never
			// sees half an image.
			if err := renameio.WriteFile(out, b.Bytes(), 0o644); err != nil {
				return fmt.Errorf("plot %s: %w", runName, err)
			}
			switch {
			case export:
				fmt.Fprintf(c.ErrOrStderr(), "wrote %s: %d evaluations\n", out, len(d.ValBPB)+len(d.Core))
			case wallClock:
				fmt.Fprintf(c.OutOrStdout(), "wrote %s: %d job%s on the wall clock\n", printable(out), len(d.Jobs), plural(len(d.Jobs)))
			default:
				fmt.Fprintf(c.OutOrStdout(), "wrote %s: %d val_bpb and %d CORE evaluations, %d job%s\n",
					printable(out), len(d.ValBPB), len(d.Core), len(d.Jobs), plural(len(d.Jobs)))
			}
			return nil
		},
	}
	addFlags(c, configFlag)
	c.Flags().StringVarP(&out, "output", "o", "", "SVG file to write, or - for standard output")
	c.Flags().BoolVar(&asCSV, "csv", false, "export every evaluation, with its job, as CSV")
	c.Flags().BoolVar(&asJSON, "json", false, "export every evaluation, with its job, as JSON")
	c.Flags().BoolVar(&wallClock, "wall-clock", false, "draw steps against time, with each job's lost stretch marked")
	return c
}

// plotJobs turns the ended jobs and the current one into step ranges: each
// from the step it resumed from to the newest complete checkpoint when it
// ended, or, for a job not yet judged, to the newest step seen so far.
func plotJobs(st run.RunState) []plot.Job {
	records := st.Jobs()
	jobs := make([]plot.Job, 0, len(records))
	prevTo := 0
	for _, r := range records {
		from := resumedFrom(r, prevTo)
		to := r.NewestStepAtEnd
		if !r.Handled {
			to = max(st.NewestStep, lastStep(st.ValBPB), lastStep(st.Core))
		}
		jobs = append(jobs, plot.Job{ID: r.ID, Attempt: r.Attempt, From: from, To: to, Outcome: outcome(r)})
		prevTo = max(from, to)
	}
	return jobs
}

// timelineData places the run's jobs on the wall clock: each from the
// step it resumed from to the newest complete checkpoint at its end, and
// as far as its log shows it trained.
func timelineData(st run.RunState, now time.Time) plot.Timeline {
	t := plot.Timeline{Run: st.Name, Now: now}
	prev := 0
	for _, r := range st.Jobs() {
		logged := r.Steps != nil && r.Steps.Lines > 0
		from := resumedFrom(r, prev)
		if r.ResumeStep == run.UnknownStep && logged {
			from = r.Steps.FirstStep
		}
		banked, end := r.NewestStepAtEnd, r.End
		if !r.Handled {
			banked = st.NewestStep
			if !slurm.ParseState(r.State).Terminal() {
				end = time.Time{}
			}
		}
		banked = max(banked, from)
		trained := banked
		if logged {
			// "step N" is printed once step N is trained: N+1 steps.
			trained = max(banked, r.Steps.LastStep+1)
		}
		submit := r.SlurmSubmit
		if submit.IsZero() {
			submit = r.Submitted
		}
		t.Jobs = append(t.Jobs, plot.TimelineJob{ID: r.ID, Submit: submit, Start: r.Start, End: end,
			From: from, Banked: banked, Trained: trained, Outcome: outcome(r)})
		prev = banked
	}
	return t
}

// resumedFrom is the step a job started from: 0 for a fresh start, and for
// a job submitted by hand whose log did not say, most likely where the
// previous one left off.
func resumedFrom(r run.JobRecord, prev int) int {
	switch r.ResumeStep {
	case run.NoStep:
		return 0
	case run.UnknownStep:
		return prev
	}
	return r.ResumeStep
}

// outcome is how a job ended; for one not yet judged, its Slurm state.
func outcome(r run.JobRecord) string {
	if r.Handled || r.Outcome != "" {
		return r.Outcome
	}
	return strings.ToLower(shortState(r.State))
}

// lastStep is the newest evaluation's step; the state keeps them sorted.
func lastStep(ps []trainer.Point) int {
	if len(ps) == 0 {
		return run.NoStep
	}
	return ps[len(ps)-1].Step
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// evaluation is one val_bpb or CORE evaluation and the job that made it.
type evaluation struct {
	Metric  string `json:"metric"` // val_bpb or core_metric
	Step    int    `json:"step"`
	Value   number `json:"value"`
	JobID   string `json:"job_id,omitempty"`
	Attempt *int   `json:"attempt,omitempty"`
}

// evaluations lists every evaluation of d by step, each with the job
// that trained that step: the newest job whose steps (From, To] hold it
// (a job resumed from step S evaluates after S, and step 0 belongs to the
// fresh start).
func evaluations(d plot.Data) []evaluation {
	out := []evaluation{}
	add := func(metric string, ps []trainer.Point) {
		for _, p := range ps {
			e := evaluation{Metric: metric, Step: p.Step, Value: number(p.Value)}
			if j, ok := jobAt(d.Jobs, p.Step); ok {
				attempt := j.Attempt
				e.JobID, e.Attempt = j.ID, &attempt
			}
			out = append(out, e)
		}
	}
	add("val_bpb", d.ValBPB)
	add("core_metric", d.Core)
	slices.SortStableFunc(out, func(a, b evaluation) int {
		return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(b.Metric, a.Metric))
	})
	return out
}

func jobAt(jobs []plot.Job, step int) (plot.Job, bool) {
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i]
		if (step > j.From || (step == 0 && j.From == 0)) && step <= max(j.From, j.To) {
			return j, true
		}
	}
	return plot.Job{}, false
}

// number is a float that JSON can carry even when a run diverged: NaN
// and ±Inf go as the strings "NaN", "+Inf", "-Inf".
type number float64

func (n number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return json.Marshal(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return json.Marshal(f)
}

func writeEvaluationsCSV(w io.Writer, evals []evaluation) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"metric", "step", "value", "job_id", "attempt"})
	for _, e := range evals {
		attempt := ""
		if e.Attempt != nil {
			attempt = strconv.Itoa(*e.Attempt)
		}
		cw.Write([]string{e.Metric, strconv.Itoa(e.Step), strconv.FormatFloat(float64(e.Value), 'g', -1, 64), e.JobID, attempt})
	}
	cw.Flush()
	return cw.Error()
}
