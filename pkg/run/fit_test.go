package run

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
)

func TestFitTimeLimit(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name  string
		limit time.Duration
		c     Cadence
		want  time.Duration
		ok    bool
	}{
		{name: "24h, 40m saves, 5m restart: 35 saves end at 23h25m, +7m margin",
			limit: 24 * time.Hour, c: Cadence{SaveInterval: 40 * m, StepsPerSave: 1000, Restart: 5 * m}, want: 1413 * m, ok: true},
		{name: "5m, 100s saves, 3s restart: 2 saves end at 3m23s, +30s margin",
			limit: 5 * m, c: Cadence{SaveInterval: 100 * time.Second, StepsPerSave: 100, Restart: 3 * time.Second}, want: 4 * m, ok: true},
		{name: "the last save ends close to the limit: nothing to gain",
			limit: 24 * time.Hour, c: Cadence{SaveInterval: 10 * m, StepsPerSave: 1000, Restart: 5 * m}},
		{name: "not even one save fits: keep",
			limit: 30 * m, c: Cadence{SaveInterval: 28 * m, StepsPerSave: 1000, Restart: 5 * m}},
		{name: "no limit known: keep",
			c: Cadence{SaveInterval: 10 * m, StepsPerSave: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fitTimeLimit(tt.limit, tt.c)
			if got != tt.want || ok != tt.ok {
				t.Errorf("fitTimeLimit(%v, %+v) = %v, %v; want %v, %v", tt.limit, tt.c, got, ok, tt.want, tt.ok)
			}
			if ok && got < tt.c.Restart+tt.c.SaveInterval {
				t.Errorf("fitted %v is below one save interval plus the restart", got)
			}
		})
	}
}

// timedOut is job 100 that timed out after saving step 1400, in a run
// whose jobs save every 40 minutes after a 5 minute restart.
func timedOut(fit bool) Input {
	st := running()
	st.Job.Start = t0.Add(-10 * time.Hour)
	for step := 1100; step <= 1400; step += 100 {
		at := st.Job.Start.Add(5*time.Minute + time.Duration(step-1000)/100*40*time.Minute)
		st.Saves = append(st.Saves, goodput.Checkpoint{Step: step, ModTime: at})
	}
	in := input(st)
	in.Spec.FitTimeLimit, in.Spec.TimeLimit = fit, 24*time.Hour
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Ckpt.Newest = 1400
	return in
}

func TestDecideFitsTimeLimit(t *testing.T) {
	tests := []struct {
		name string
		edit func(in *Input)
		want time.Duration
	}{
		{name: "time_limit: keep", edit: func(in *Input) { in.Spec.FitTimeLimit = false }},
		{name: "time_limit: fit, 24h: 23h33m", want: 1413 * time.Minute},
		{name: "fit, no cadence measured yet: keep", edit: func(in *Input) { in.State.Saves = in.State.Saves[:1] }},
		{name: "fit, the user's limit unknown: the unfitted job's sacct limit",
			edit: func(in *Input) { in.Spec.TimeLimit = 0; in.Slurm.Job.TimeLimit = 24 * time.Hour }, want: 1413 * time.Minute},
		{name: "fit, the user's limit unknown, the last job was fitted: an older job's",
			edit: func(in *Input) {
				in.Spec.TimeLimit = 0
				in.State.Job.FittedLimit = 1413 * time.Minute
				in.Slurm.Job.TimeLimit = 1413 * time.Minute
				in.State.History = []JobRecord{{ID: "99", TimeLimit: 24 * time.Hour}}
			}, want: 1413 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := timedOut(true)
			if tt.edit != nil {
				tt.edit(&in)
			}
			p := Decide(in)
			sub, ok := p.Submission()
			if !ok {
				t.Fatalf("no submission; phase %s (%s)", p.Next.Phase, p.Next.Reason)
			}
			if sub.TimeLimit != tt.want || p.Next.Intent.TimeLimit != tt.want {
				t.Errorf("Submit.TimeLimit = %v, intent %v; want %v", sub.TimeLimit, p.Next.Intent.TimeLimit, tt.want)
			}
			for _, e := range p.Events {
				if e.Name != EventSubmitIntent {
					continue
				}
				_, logged := e.Fields[FieldTimeLimit]
				if logged != (tt.want > 0) || (logged && e.Fields["save_interval"] != "40m0s") {
					t.Errorf("submit_intent fields %v; want the fit and its evidence only when fitted", e.Fields)
				}
			}
		})
	}
}

// A fitted job that times out before its first save says the fit was too
// tight, not that the code is broken: not counted, and the next job gets
// the full limit.
func TestDecideFitTooShort(t *testing.T) {
	in := timedOut(true)
	in.State.Job.FittedLimit = 30 * time.Minute
	in.Ckpt.Newest = 1000
	in.Spec.Policy.Backoff = 0
	p := Decide(in)
	if p.Next.Job.Outcome != ReasonFitTooShort || p.Next.FailuresWithoutProgress != 0 {
		t.Errorf("outcome %q, failures %d; want %s, not counted", p.Next.Job.Outcome, p.Next.FailuresWithoutProgress, ReasonFitTooShort)
	}
	if sub, ok := p.Submission(); !ok || sub.TimeLimit != 0 {
		t.Errorf("submission %+v (%v); want one with the user's own limit", sub, ok)
	}
}
