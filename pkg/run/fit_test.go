package run

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
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

// lastSaveT is when job 100 of lastSaveInput started: it resumed from
// step 1000 and saves every 100 s (100 steps) after a 20 s restart, so its
// 10 minute limit ends 80 s after its save of step 1500, and the daemon
// sees that save 5 s after it was written.
var lastSaveT = t0.Add(-525 * time.Second)

func lastSaveInput() Input {
	st := running()
	st.Job.Start = lastSaveT
	st.NewestStep = 1400
	for step := 1100; step <= 1400; step += 100 {
		st.Saves = append(st.Saves, goodput.Checkpoint{Step: step, ModTime: lastSaveAt(step)})
	}
	in := input(st)
	in.Spec.FitTimeLimit, in.Spec.TimeLimit = true, 10*time.Minute
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Job.Start, in.Slurm.Job.End, in.Slurm.Job.TimeLimit = lastSaveT, time.Time{}, 10*time.Minute
	in.Ckpt = CkptView{Newest: 1500, NewestNumIterations: 5000,
		Complete: []CompleteStep{{Step: 1400, ModTime: lastSaveAt(1400)}, {Step: 1500, ModTime: lastSaveAt(1500)}}}
	return in
}

// lastSaveAt is when lastSaveInput's job wrote step.
func lastSaveAt(step int) time.Time {
	return lastSaveT.Add(20*time.Second + time.Duration(step-1000)*time.Second)
}

func TestDecideCancelsAfterLastSave(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(in *Input)
		cancel  bool
		recheck time.Duration // 0: not checked
	}{
		{name: "the next save would end 20 s after the limit: cancelled", cancel: true},
		{name: "the next save would end 3 s before the limit, within the margin: cancelled",
			edit: func(in *Input) { in.Slurm.Job.TimeLimit = 10*time.Minute + 23*time.Second }, cancel: true},
		{name: "seen late, the next save still fits: left running",
			edit: func(in *Input) { in.Slurm.Job.TimeLimit = 11 * time.Minute; in.Now = t0.Add(50 * time.Second) }},
		{name: "the next save fits: left running",
			edit: func(in *Input) { in.Slurm.Job.TimeLimit = 11 * time.Minute }},
		{name: "the final step fits: left to finish",
			edit: func(in *Input) { in.Ckpt.NewestNumIterations = 1550 }},
		{name: "num_iterations unknown: left running",
			edit: func(in *Input) { in.Ckpt.NewestNumIterations = 0 }},
		{name: "a newer step is still being written: left running, looked at again once it has settled",
			edit: func(in *Input) { in.Ckpt.Settling = true }, recheck: shortRecheck},
		{name: "the newest step is suspect: left running",
			edit: func(in *Input) {
				in.State.Suspect = []SuspectStep{{Step: 1500, ModTime: lastSaveAt(1500)}}
			}},
		{name: "the newest step is not this job's: left running",
			edit: func(in *Input) { in.State.Job.ResumeStep = 1500 }},
		{name: "no cadence measured: left running",
			edit: func(in *Input) { in.State.Saves = nil }},
		{name: "time_limit: keep: left running",
			edit: func(in *Input) { in.Spec.FitTimeLimit = false }},
		{name: "already cancelled for stalling: not cancelled again",
			edit: func(in *Input) {
				in.State.Job.CancelReason, in.State.Job.CancelSent = ReasonStallCancel, t0.Add(-2*cancelRetry)
			}},
		{name: "suspended: left running",
			edit: func(in *Input) { in.Slurm.Job.State = slurm.ParseState("SUSPENDED") }},
		{name: "paused: left running",
			edit: func(in *Input) { in.Spec.Paused = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := lastSaveInput()
			if tt.edit != nil {
				tt.edit(&in)
			}
			p := Decide(in)
			if tt.recheck > 0 && p.RecheckAfter != tt.recheck {
				t.Errorf("RecheckAfter = %v, want %v", p.RecheckAfter, tt.recheck)
			}
			c := cancels(p)
			if got := len(c) == 1 && c[0] == (Cancel{JobID: "100", Reason: ReasonLastSave}); got != tt.cancel {
				t.Fatalf("cancels %v, want one of job 100 = %v (phase %s, %s)", c, tt.cancel, p.Next.Phase, p.Next.Reason)
			}
			if !tt.cancel {
				if p.Next.Job.CancelReason == ReasonLastSave || hasEvent(p, EventJobCancelled) {
					t.Errorf("cancel reason %q, events %v; want no cancel", p.Next.Job.CancelReason, eventNames(p))
				}
				return
			}
			if p.Next.Job.CancelReason != ReasonLastSave || p.Next.Reason != ReasonLastSave {
				t.Errorf("job cancel reason %q, run reason %q; want %s", p.Next.Job.CancelReason, p.Next.Reason, ReasonLastSave)
			}
			timeLeft := in.Slurm.Job.Start.Add(in.Slurm.Job.TimeLimit).Sub(in.Now).String()
			for _, e := range p.Events {
				if e.Name == EventJobCancelled && (e.Fields[FieldReason] != ReasonLastSave || e.Fields[FieldNewestStep] != 1500 ||
					e.Fields[FieldSaveInterval] != "1m40s" || e.Fields[FieldTimeLeft] != timeLeft) {
					t.Errorf("job_cancelled fields %v; want the reason and the evidence", e.Fields)
				}
			}
			if !hasEvent(p, EventJobCancelled) {
				t.Errorf("events %v; want %s", eventNames(p), EventJobCancelled)
			}
		})
	}
}

// Cancelled once: the next passes say nothing new, and scancel is sent
// again only after cancelRetry.
func TestDecideCancelsAfterLastSaveOnce(t *testing.T) {
	in := lastSaveInput()
	p := Decide(in)
	if len(cancels(p)) != 1 {
		t.Fatalf("actions %v; want a cancel", p.Actions)
	}
	again := in
	again.State, again.Now = p.Next, t0.Add(10*time.Second)
	p2 := Decide(again)
	if len(cancels(p2)) != 0 || hasEvent(p2, EventJobCancelled) || p2.Next.Reason != ReasonLastSave {
		t.Errorf("10 s later: actions %v, events %v, reason %s; want nothing new", p2.Actions, eventNames(p2), p2.Next.Reason)
	}
	again.Now = t0.Add(cancelRetry + time.Second)
	if p3 := Decide(again); len(cancels(p3)) != 1 || hasEvent(p3, EventJobCancelled) {
		t.Errorf("after cancelRetry: actions %v, events %v; want scancel again, said once", p3.Actions, eventNames(p3))
	}
}

// The job the daemon cancelled after its last save ends "CANCELLED by
// <own uid>": a TIMEOUT come early, resubmitted at once from that save,
// no failure counted, no backoff.
func TestDecideCancelledAfterLastSaveResubmits(t *testing.T) {
	for _, newest := range []int{1500, 1000} {
		st := running()
		st.Job.CancelReason, st.Job.CancelSent = ReasonLastSave, t0.Add(-time.Minute)
		st.FailuresWithoutProgress = 1
		in := input(st)
		in.Slurm.Job = sacctRow("100", "CANCELLED by 1000", "0:0")
		in.Ckpt.Newest = newest
		p := Decide(in)
		sub, ok := p.Submission()
		if !ok || sub.FromStep != newest {
			t.Fatalf("newest %d: submission %+v (%v), phase %s (%s); want one from %d at once", newest, sub, ok, p.Next.Phase, p.Next.Reason, newest)
		}
		if p.Next.Job.Outcome != ReasonLastSave || p.Next.Reason != ReasonLastSave || hasEvent(p, EventRunBackoff) {
			t.Errorf("newest %d: outcome %q, reason %q, events %v; want %s, no backoff", newest, p.Next.Job.Outcome, p.Next.Reason, eventNames(p), ReasonLastSave)
		}
		if want := map[bool]int{true: 0, false: 1}[newest > 1000]; p.Next.FailuresWithoutProgress != want {
			t.Errorf("newest %d: failures without progress %d, want %d", newest, p.Next.FailuresWithoutProgress, want)
		}
	}
}
