package run

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// learnedInput is job 100 (resumed from 1000) training at step 1150,
// saving every hour, with on_stall: cancel. Since step 800 the daemon has
// watched the run save and evaluate val_bpb and CORE, and the longest
// healthy silence of its log was 5 minutes. The log has now been quiet
// for quiet.
func learnedInput(quiet time.Duration) Input {
	st := running()
	sawSaves(&st, t0.Add(-30*time.Minute), time.Hour)
	st.ValBPB = []trainer.Point{{Step: 1000, Value: 0.9}}
	st.Core = []trainer.Point{{Step: 1000, Value: 0.2}}
	st.Quiet = LogQuiet{Job: "100", Longest: 5 * time.Minute, FromStep: 800}
	in := input(st)
	in.Spec.CancelOnStall = true
	in.Ckpt.NewestEvalEvery, in.Ckpt.NewestCoreEvery = 250, 500
	in.Log = LogView{Path: "d20.out", Summary: &trainer.LogSummary{LastStep: 1150, ResumedFrom: 1000}, ModTime: t0.Add(-quiet),
		PrevModTime: t0.Add(-quiet - 10*time.Second), PrevLastStep: 1149}
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Job.End = time.Time{}
	return in
}

func TestStallLearned(t *testing.T) {
	tests := []struct {
		name    string
		quiet   time.Duration
		edit    func(in *Input)
		stalled bool
		rule    string
		recheck time.Duration // 0: not checked
	}{
		{name: "quiet for 12 minutes, twice the longest healthy silence seen: a hang, cancelled long before two intervals",
			quiet: 12 * time.Minute, stalled: true, rule: "learned"},
		{name: "quiet for as long as the longest pause seen (a CORE evaluation again): training goes on",
			quiet: 5 * time.Minute, recheck: 5 * time.Minute},
		{name: "a pause 80 % longer than any seen: still within the safety factor",
			quiet: 9 * time.Minute, recheck: time.Minute},
		{name: "no CORE evaluation watched yet, though the run makes them: the interval rule",
			quiet: 12 * time.Minute, edit: func(in *Input) { in.State.Core = []trainer.Point{{Step: 500, Value: 0.1}} },
			recheck: 108 * time.Minute},
		{name: "no CORE evaluation yet and meta says CORE is on: the interval rule",
			quiet: 12 * time.Minute, edit: func(in *Input) { in.State.Core = nil }, recheck: 108 * time.Minute},
		{name: "CORE off (no core_metric_every, no CORE line): saves and val_bpb suffice",
			quiet: 12 * time.Minute, edit: func(in *Input) { in.State.Core, in.Ckpt.NewestCoreEvery = nil, 0 },
			stalled: true, rule: "learned"},
		{name: "no save watched since learning began: the interval rule",
			quiet: 12 * time.Minute, edit: func(in *Input) { in.State.Quiet.FromStep = 1000 }, recheck: 108 * time.Minute},
		{name: "nothing learned: the interval rule",
			quiet: 12 * time.Minute, edit: func(in *Input) { in.State.Quiet = LogQuiet{} }, recheck: 108 * time.Minute},
		{name: "the job has printed no training step yet (loading, compiling): the interval rule",
			quiet: 12 * time.Minute, edit: func(in *Input) { in.Log.Summary.LastStep = 1000 }, recheck: 108 * time.Minute},
		{name: "learned wait longer than stall_after_intervals: the intervals cap it",
			quiet: 25 * time.Minute, edit: func(in *Input) { in.State.Quiet.Longest = 70 * time.Minute }, recheck: 95 * time.Minute},
		{name: "quiet for 2 intervals with a long learned wait: the interval rule fires",
			quiet: 2 * time.Hour, edit: func(in *Input) {
				in.State.Quiet.Longest = time.Hour
				in.State.Saves[1].ModTime = t0.Add(-2 * time.Hour)
				in.State.Saves[0].ModTime = t0.Add(-3 * time.Hour)
			}, stalled: true, rule: "intervals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := learnedInput(tt.quiet)
			if tt.edit != nil {
				tt.edit(&in)
			}
			p := Decide(in)
			if got := hasEvent(p, EventRunStalled); got != tt.stalled {
				t.Fatalf("run_stalled = %v, want %v (events %v, recheck %v)", got, tt.stalled, eventNames(p), p.RecheckAfter)
			}
			if got := len(cancels(p)) == 1; got != tt.stalled {
				t.Errorf("cancelled = %v, want %v", got, tt.stalled)
			}
			if tt.stalled {
				e := p.Events[len(p.Events)-1]
				for _, ev := range p.Events {
					if ev.Name == EventRunStalled {
						e = ev
					}
				}
				if got := e.Fields["stall_rule"]; got != tt.rule {
					t.Errorf("stall_rule = %v, want %s (fields %v)", got, tt.rule, e.Fields)
				}
			}
			if tt.recheck > 0 && p.RecheckAfter != tt.recheck {
				t.Errorf("RecheckAfter = %v, want %v", p.RecheckAfter, tt.recheck)
			}
		})
	}
}

func TestLearnQuiet(t *testing.T) {
	st := running()
	sawSaves(&st, t0.Add(-30*time.Minute), time.Hour)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type look struct {
		step      int
		mod       time.Duration
		prev      time.Duration
		prevStep  int
		prevKnown bool
	}
	steps := []struct {
		name   string
		log    look
		newJob string
		want   LogQuiet
	}{
		{name: "loading: not followed yet", log: look{step: 1000, mod: -time.Second}},
		{name: "first training step seen: the watch begins; the span before it was loading",
			log:  look{step: 1001, mod: 59 * time.Second, prev: -time.Second, prevStep: 1000, prevKnown: true},
			want: LogQuiet{Job: "100", FromStep: 1001}},
		{name: "the log grew a minute later",
			log:  look{step: 1050, mod: 2 * time.Minute, prev: 59 * time.Second, prevStep: 1001, prevKnown: true},
			want: LogQuiet{Job: "100", Longest: 61 * time.Second, FromStep: 1001}},
		{name: "silent at a pass: the same span again",
			log:  look{step: 1050, mod: 2 * time.Minute, prev: 59 * time.Second, prevStep: 1001, prevKnown: true},
			want: LogQuiet{Job: "100", Longest: 61 * time.Second, FromStep: 1001}},
		{name: "the pause ended: its span is the longest",
			log:  look{step: 1060, mod: 5*time.Minute + 30*time.Second, prev: 2 * time.Minute, prevStep: 1050, prevKnown: true},
			want: LogQuiet{Job: "100", Longest: 210 * time.Second, FromStep: 1001}},
		{name: "a shorter span does not lower it",
			log:  look{step: 1100, mod: 7 * time.Minute, prev: 5*time.Minute + 30*time.Second, prevStep: 1060, prevKnown: true},
			want: LogQuiet{Job: "100", Longest: 210 * time.Second, FromStep: 1001}},
		{name: "the daemon restarted (the log seen once): nothing watched whole yet, so the watch starts over",
			log:  look{step: 1300, mod: 29 * time.Minute},
			want: LogQuiet{Job: "100", Longest: 210 * time.Second, FromStep: 1300}},
		{name: "the next job, loading: what was learned is kept", newJob: "101",
			log:  look{step: 1100, mod: 40 * time.Minute},
			want: LogQuiet{Job: "100", Longest: 210 * time.Second, FromStep: 1300}},
		{name: "the next job trains: the watch starts over, nothing having been watched whole",
			log:  look{step: 1101, mod: 41 * time.Minute, prev: 40 * time.Minute, prevStep: 1100, prevKnown: true},
			want: LogQuiet{Job: "101", Longest: 210 * time.Second, FromStep: 1101}},
	}
	for _, s := range steps {
		if s.newJob != "" {
			st.Job = &JobRecord{ID: s.newJob, Attempt: 2, ResumeStep: 1100, Tag: "nsv:d20:2:bb", Submitted: at(35 * time.Minute), State: "RUNNING"}
		}
		in := input(st)
		in.Now = at(s.log.mod + time.Second)
		in.Slurm.Job = sacctRow(st.Job.ID, "RUNNING", "0:0")
		in.Slurm.Job.End = time.Time{}
		in.Log = LogView{Path: "d20.out", Summary: &trainer.LogSummary{LastStep: s.log.step}, ModTime: at(s.log.mod)}
		if s.log.prevKnown {
			in.Log.PrevModTime, in.Log.PrevLastStep = at(s.log.prev), s.log.prevStep
		}
		st = Decide(in).Next
		if st.Quiet != s.want {
			t.Fatalf("%s:\nQuiet = %+v\nwant    %+v", s.name, st.Quiet, s.want)
		}
	}
}

// TestLearnQuietRestartOnceWatched: once every kind of pause has been
// watched, a restart of the daemon does not restart the watch, so the
// learned wait holds at once.
func TestLearnQuietRestartOnceWatched(t *testing.T) {
	in := learnedInput(time.Minute)
	in.Log.PrevModTime, in.Log.PrevLastStep = time.Time{}, 0
	p := Decide(in)
	if want := (LogQuiet{Job: "100", Longest: 5 * time.Minute, FromStep: 800}); p.Next.Quiet != want {
		t.Errorf("Quiet = %+v\nwant    %+v", p.Next.Quiet, want)
	}
	if p.RecheckAfter != 9*time.Minute {
		t.Errorf("RecheckAfter = %v, want 9m (the learned 10m wait)", p.RecheckAfter)
	}
}
