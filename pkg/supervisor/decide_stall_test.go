package supervisor

import (
	"testing"
	"time"
)

// stalledInput is job 100 running for 10 h, whose last new checkpoint was
// seen 4 h ago at a 1 h interval: quiet for four intervals.
func stalledInput() Input {
	st := running()
	st.LastNewStepAt, st.CheckpointGap = t0.Add(-4*time.Hour), time.Hour
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
				in.State.LastNewStepAt = t0.Add(-35 * time.Minute)
				in.State.Job.Start = t0.Add(-2 * time.Hour)
				in.State.Job.Saves = &SaveTrack{FirstStep: 1100, FirstAt: t0.Add(-55 * time.Minute), LastStep: 1300, LastAt: t0.Add(-35 * time.Minute), Count: 3, MinGap: 100}
			}, stalled: true, cancel: true},
		{name: "no save yet in this job, stall_after_intervals: 3: the restart overhead is allowed on top",
			edit: func(in *Input) {
				in.Spec.Policy.StallAfterIntervals = 3
				in.State.Cadence = &Cadence{SaveInterval: time.Hour, StepsPerSave: 1000, Restart: 90 * time.Minute}
				in.State.LastNewStepAt = time.Time{}
				in.Slurm.Job.Start = t0.Add(-4 * time.Hour)
			}, recheck: 30 * time.Minute},
		{name: "no interval known: no alarm",
			edit: func(in *Input) { in.State.CheckpointGap = 0 }},
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
		name string
		job  JobRecord
		want Cadence
		ok   bool
	}{
		{name: "one save: nothing measured",
			job: JobRecord{Start: start, ResumeStep: 1000, Saves: &SaveTrack{FirstStep: 1100, FirstAt: start.Add(15 * time.Minute), LastStep: 1100, LastAt: start.Add(15 * time.Minute), Count: 1}}},
		{name: "resumed from 1000, saves 1100..1400 every 10m, first after 15m: 5m restart",
			job:  JobRecord{Start: start, ResumeStep: 1000, Saves: &SaveTrack{FirstStep: 1100, FirstAt: start.Add(15 * time.Minute), LastStep: 1400, LastAt: start.Add(45 * time.Minute), Count: 4, MinGap: 100}},
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}, ok: true},
		{name: "fresh start: 200 steps to the first save",
			job:  JobRecord{Start: start, ResumeStep: NoStep, Saves: &SaveTrack{FirstStep: 200, FirstAt: start.Add(25 * time.Minute), LastStep: 400, LastAt: start.Add(45 * time.Minute), Count: 3, MinGap: 100}},
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}, ok: true},
		{name: "resume step unknown: one interval before the first save",
			job:  JobRecord{Start: start, ResumeStep: UnknownStep, Saves: &SaveTrack{FirstStep: 1100, FirstAt: start.Add(12 * time.Minute), LastStep: 1200, LastAt: start.Add(22 * time.Minute), Count: 2, MinGap: 100}},
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 2 * time.Minute}, ok: true},
		{name: "a save missed between two passes: the interval is per 100 steps, not 200",
			job:  JobRecord{Start: start, ResumeStep: 1000, Saves: &SaveTrack{FirstStep: 1100, FirstAt: start.Add(15 * time.Minute), LastStep: 1400, LastAt: start.Add(45 * time.Minute), Count: 3, MinGap: 100}},
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}, ok: true},
		{name: "start unknown: no restart",
			job:  JobRecord{ResumeStep: 1000, Saves: &SaveTrack{FirstStep: 1100, FirstAt: start.Add(12 * time.Minute), LastStep: 1200, LastAt: start.Add(22 * time.Minute), Count: 2, MinGap: 100}},
			want: Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cadenceOf(tt.job)
			if got != tt.want || ok != tt.ok {
				t.Errorf("cadenceOf = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// noteJobSave takes a new step's time from its files, counts only steps the
// job wrote, and the job's cadence is kept when it ends.
func TestDecideTracksSaves(t *testing.T) {
	st := running()
	st.Job.Start = t0.Add(-time.Hour)
	in := input(st)
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Job.Start, in.Slurm.Job.End = st.Job.Start, time.Time{}
	in.Ckpt = CkptView{Newest: 1100, Complete: []CompleteStep{{Step: 1000}, {Step: 1100, ModTime: t0.Add(-40 * time.Minute)}}}
	p := Decide(in)
	want := SaveTrack{FirstStep: 1100, FirstAt: t0.Add(-40 * time.Minute), LastStep: 1100, LastAt: t0.Add(-40 * time.Minute), Count: 1}
	if p.Next.Job.Saves == nil || *p.Next.Job.Saves != want {
		t.Fatalf("saves %+v, want %+v", p.Next.Job.Saves, want)
	}
	// A save seen late (a Slurm outage, a slow poll) counts from when it
	// was written: the stall alarm must not start late.
	if !p.Next.LastNewStepAt.Equal(want.LastAt) {
		t.Errorf("LastNewStepAt %v, want the save's mtime %v", p.Next.LastNewStepAt, want.LastAt)
	}
	in.State, in.Now = p.Next, t0.Add(time.Minute)
	in.Ckpt = CkptView{Newest: 1200, Complete: []CompleteStep{{Step: 1100}, {Step: 1200, ModTime: t0.Add(-20 * time.Minute)}}}
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Slurm.Job.Start = st.Job.Start
	p = Decide(in)
	wantCadence := Cadence{SaveInterval: 20 * time.Minute, StepsPerSave: 100}
	if p.Next.Cadence == nil || p.Next.Cadence.SaveInterval != wantCadence.SaveInterval || p.Next.Cadence.StepsPerSave != wantCadence.StepsPerSave {
		t.Errorf("cadence kept at the end %+v, want interval and steps of %+v", p.Next.Cadence, wantCadence)
	}
}
