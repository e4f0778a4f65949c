package main

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/nanosupervisord/nanosupervisord/pkg/plot"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

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
