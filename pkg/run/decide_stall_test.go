package run

import (
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
)

// sawSaves records two new checkpoints, the newest written at last and
// gap before it, both before the running() job's resume step: the gap
// the daemon saw, no cadence measured.
func sawSaves(st *RunState, last time.Time, gap time.Duration) {
	st.Saves = []goodput.Checkpoint{{Step: 900, ModTime: last.Add(-gap)}, {Step: 1000, ModTime: last}}
}

// everyTen are a job's saves: the steps given, the first at first after
// its start, then ten minutes per 100 steps.
func everyTen(start time.Time, first time.Duration, steps ...int) []goodput.Checkpoint {
	var out []goodput.Checkpoint
	for _, s := range steps {
		out = append(out, goodput.Checkpoint{Step: s, ModTime: start.Add(first + time.Duration(s-steps[0])*6*time.Second)})
	}
	return out
}

// stalledInput is job 100 running for 10 h, whose last new checkpoint was
// seen 4 h ago at a 1 h interval: quiet for four intervals.
func stalledInput() Input {
	st := running()
	sawSaves(&st, t0.Add(-4*time.Hour), time.Hour)
	in := input(st)
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Job.End = time.Time{}
	return in
}

func cancels(p Plan) []Cancel {
	var out []Cancel
	for _, a := range p.Actions {
		if c, ok := a.(Cancel); ok {
			out = append(out, c)
		}
	}
	return out
}

func TestDecideStall(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(in *Input)
		stalled bool
		cancel  bool
		recheck time.Duration // 0: not checked
	}{
		{name: "quiet for 4 intervals, on_stall: alert: reported, nothing cancelled",
			stalled: true},
		{name: "quiet for 4 intervals, on_stall: cancel: reported and cancelled",
			edit: func(in *Input) { in.Spec.CancelOnStall = true }, stalled: true, cancel: true},
		{name: "checkpoints still but the log grew a minute ago: training goes on",
			edit: func(in *Input) { in.Spec.CancelOnStall = true; in.Log.ModTime = t0.Add(-time.Minute) }},
		{name: "stall_after_intervals: 5: four intervals are not enough, recheck when five are",
			edit: func(in *Input) { in.Spec.Policy.StallAfterIntervals = 5 }, recheck: time.Hour},
		{name: "stall_after_intervals: 2, log still for 2h30m: stalled",
			edit: func(in *Input) {
				in.Spec.Policy.StallAfterIntervals = 2
				in.Log.ModTime = t0.Add(-150 * time.Minute)
			}, stalled: true},
		{name: "the job's own saves, 10 minutes apart, beat the 1h gap the daemon saw",
			edit: func(in *Input) {
				in.Spec.CancelOnStall = true
				in.State.Job.Start = t0.Add(-2 * time.Hour)
				in.Slurm.Job.Start = in.State.Job.Start
				in.State.Saves = append(in.State.Saves, everyTen(t0, -55*time.Minute, 1100, 1200, 1300)...)
			}, stalled: true, cancel: true},
		{name: "no save yet in this job, stall_after_intervals: 3: the restart overhead is allowed on top",
			edit: func(in *Input) {
				in.Spec.Policy.StallAfterIntervals = 3
				// The job before saved every hour after a 90 minute restart.
				prev := JobRecord{ID: "99", ResumeStep: 0, Start: t0.Add(-12 * time.Hour), End: t0.Add(-6 * time.Hour)}
				in.State.History = []JobRecord{prev}
				in.State.Saves = []goodput.Checkpoint{{Step: 1000, ModTime: prev.Start.Add(150 * time.Minute)},
					{Step: 2000, ModTime: prev.Start.Add(210 * time.Minute)}}
				in.State.Job.ResumeStep = 2000
				in.Slurm.Job.Start = t0.Add(-4 * time.Hour)
			}, recheck: 30 * time.Minute},
		{name: "no interval known: no alarm",
			edit: func(in *Input) { in.State.Saves = in.State.Saves[1:] }},
		{name: "pending job: no alarm",
			edit: func(in *Input) { in.Slurm.Job = sacctRow("100", "PENDING", "0:0") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := stalledInput()
			if tt.edit != nil {
				tt.edit(&in)
			}
			p := Decide(in)
			if got := hasEvent(p, EventRunStalled); got != tt.stalled {
				t.Errorf("run_stalled = %v, want %v (events %v)", got, tt.stalled, eventNames(p))
			}
			if tt.stalled && p.Next.Reason != ReasonJobStalled {
				t.Errorf("reason %s, want %s", p.Next.Reason, ReasonJobStalled)
			}
			c := cancels(p)
			if got := len(c) == 1 && c[0] == (Cancel{JobID: "100", Reason: ReasonStallCancel}); got != tt.cancel {
				t.Errorf("cancels %v, want one of job 100 = %v", c, tt.cancel)
			}
			if tt.cancel && (p.Next.Job.CancelReason != ReasonStallCancel || !hasEvent(p, EventJobCancelled)) {
				t.Errorf("job record cancel reason %q, events %v; want %s and %s", p.Next.Job.CancelReason, eventNames(p), ReasonStallCancel, EventJobCancelled)
			}
			if tt.recheck > 0 && p.RecheckAfter != tt.recheck {
				t.Errorf("RecheckAfter = %v, want %v", p.RecheckAfter, tt.recheck)
			}
		})
	}
}

func TestDecideStallCancelOnce(t *testing.T) {
	in := stalledInput()
	in.Spec.CancelOnStall = true
	p := Decide(in)
	again := in
	again.State = p.Next
	again.Now = t0.Add(time.Minute)
	p2 := Decide(again)
	if hasEvent(p2, EventRunStalled) || hasEvent(p2, EventJobCancelled) || len(cancels(p2)) != 0 {
		t.Errorf("a minute later: events %v, actions %v; want nothing new", eventNames(p2), p2.Actions)
	}
	again.Now = t0.Add(cancelRetry + time.Second)
	if p3 := Decide(again); len(cancels(p3)) != 1 || hasEvent(p3, EventJobCancelled) {
		t.Errorf("after cancelRetry: actions %v, events %v; want scancel again, said once", p3.Actions, eventNames(p3))
	}
}

// A job the daemon cancelled for stalling ends as "CANCELLED by <own uid>":
// that is not the user stopping the run but an infrastructure failure.
func TestDecideStallCancelledJobEnds(t *testing.T) {
	tests := []struct {
		name     string
		newest   int
		phase    Phase
		submit   bool
		backoff  time.Duration
		failures int
	}{
		{name: "with progress: resubmitted after retry_after_progress, not the backoff", newest: 1400,
			phase: PhaseBackoff, backoff: 10 * time.Second},
		{name: "with progress, retry_after_progress 0: resubmitted at once from the newest step", newest: 1400,
			phase: PhaseSubmitting, submit: true},
		{name: "without progress: infrastructure backoff, not counted", newest: 1000,
			phase: PhaseBackoff, backoff: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := running()
			st.Job.CancelReason, st.Job.CancelSent = ReasonStallCancel, t0.Add(-time.Minute)
			st.FailuresWithoutProgress = 1
			in := input(st)
			if tt.submit {
				in.Spec.Policy.RetryAfterProgress = 0
			}
			in.Slurm.Job = sacctRow("100", "CANCELLED by 1000", "0:0")
			in.Ckpt.Newest = tt.newest
			p := Decide(in)
			if p.Next.Phase != tt.phase {
				t.Fatalf("phase %s (%s), want %s; events %v", p.Next.Phase, p.Next.Reason, tt.phase, eventNames(p))
			}
			if p.Next.Job.Outcome != ReasonStalled {
				t.Errorf("outcome %q, want %s", p.Next.Job.Outcome, ReasonStalled)
			}
			sub, ok := p.Submission()
			if ok != tt.submit || (ok && sub.FromStep != tt.newest) {
				t.Errorf("submission %+v (%v), want %v from %d", sub, ok, tt.submit, tt.newest)
			}
			if got := p.Next.BackoffUntil.Sub(t0); tt.backoff > 0 && got != tt.backoff {
				t.Errorf("backoff %v, want %v", got, tt.backoff)
			}
			if want := map[bool]int{true: 0, false: 1}[tt.newest > 1000]; p.Next.FailuresWithoutProgress != want {
				t.Errorf("failures without progress %d, want %d", p.Next.FailuresWithoutProgress, want)
			}
		})
	}
}

func TestCadenceOf(t *testing.T) {
	start := t0
	tests := []struct {
		name  string
		job   JobRecord
		saves []goodput.Checkpoint
		want  Cadence
		ok    bool
	}{
		{name: "one save: nothing measured",
			job: JobRecord{Start: start, ResumeStep: 1000}, saves: everyTen(start, 15*time.Minute, 1100)},
		{name: "resumed from 1000, saves 1100..1400 every 10m, first after 15m: 5m restart",
			job: JobRecord{Start: start, ResumeStep: 1000}, saves: everyTen(start, 15*time.Minute, 1100, 1200, 1300, 1400),
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}, ok: true},
		{name: "fresh start: 200 steps to the first save",
			job: JobRecord{Start: start, ResumeStep: NoStep}, saves: everyTen(start, 25*time.Minute, 200, 300, 400),
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}, ok: true},
		{name: "resume step unknown: one interval before the first save",
			job: JobRecord{Start: start, ResumeStep: UnknownStep}, saves: everyTen(start, 12*time.Minute, 1100, 1200),
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 2 * time.Minute}, ok: true},
		{name: "a save missed between two passes: the interval is per 100 steps, not 200",
			job: JobRecord{Start: start, ResumeStep: 1000}, saves: everyTen(start, 15*time.Minute, 1100, 1200, 1400),
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}, ok: true},
		{name: "start unknown: no restart",
			job: JobRecord{ResumeStep: 1000}, saves: everyTen(start, 12*time.Minute, 1100, 1200),
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100}, ok: true},
		{name: "saves before the job's start and up to its resume step are not its own",
			job:   JobRecord{Start: start, ResumeStep: 1000},
			saves: append(everyTen(start, -time.Hour, 900, 1000), everyTen(start, 15*time.Minute, 1100)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cadenceOf(tt.job, tt.saves)
			if got != tt.want || ok != tt.ok {
				t.Errorf("cadenceOf = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// A new step's time is taken from its files, and the cadence of a job that
// ended is still the run's when the next is submitted.
func TestDecideTracksSaves(t *testing.T) {
	st := running()
	st.Job.Start = t0.Add(-time.Hour)
	in := input(st)
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Job.Start, in.Slurm.Job.End = st.Job.Start, time.Time{}
	in.Ckpt = CkptView{Newest: 1100, Complete: []CompleteStep{{Step: 1000}, {Step: 1100, ModTime: t0.Add(-40 * time.Minute)}}}
	p := Decide(in)
	want := []goodput.Checkpoint{{Step: 1100, ModTime: t0.Add(-40 * time.Minute)}}
	if !slices.Equal(p.Next.Saves, want) {
		t.Fatalf("saves %+v, want %+v", p.Next.Saves, want)
	}
	if _, ok := RunCadence(p.Next); ok {
		t.Errorf("a cadence from one save")
	}
	in.State, in.Now = p.Next, t0.Add(time.Minute)
	in.Ckpt = CkptView{Newest: 1200, Complete: []CompleteStep{{Step: 1100}, {Step: 1200, ModTime: t0.Add(-20 * time.Minute)}}}
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Slurm.Job.Start = st.Job.Start
	p = Decide(in)
	c, ok := RunCadence(p.Next)
	if !ok || c.SaveInterval != 20*time.Minute || c.StepsPerSave != 100 {
		t.Errorf("cadence after the end %+v (%v), want 20m0s per 100 steps", c, ok)
	}
}

// A save seen late (a Slurm outage, a slow poll) counts from when it was
// written: the stall alarm must not start late.
func TestDecideStallFromSaveTime(t *testing.T) {
	st := running()
	st.NewestStep = 900
	st.Saves = []goodput.Checkpoint{{Step: 800, ModTime: t0.Add(-6 * time.Hour)}, {Step: 900, ModTime: t0.Add(-5 * time.Hour)}}
	in := input(st)
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Job.End = time.Time{}
	in.Ckpt = CkptView{Newest: 1000, Complete: []CompleteStep{{Step: 1000, ModTime: t0.Add(-4 * time.Hour)}}}
	if p := Decide(in); !hasEvent(p, EventRunStalled) {
		t.Errorf("events %v; want %s: the save seen now was written 4h ago", eventNames(p), EventRunStalled)
	}
}
