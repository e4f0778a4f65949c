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
	st.Quiet = LogQuiet{Job: "100", SeenAt: t0.Add(-time.Minute), LogAt: t0.Add(-quiet), Longest: 5 * time.Minute, FromStep: 800}
	in := input(st)
	in.Spec.CancelOnStall = true
	in.Ckpt.NewestEvalEvery, in.Ckpt.NewestCoreEvery = 250, 500
	in.Log = LogView{Path: "d20.out", Summary: &trainer.LogSummary{LastStep: 1150, ResumedFrom: 1000}, ModTime: t0.Add(-quiet)}
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
	steps := []struct {
		name     string
		now, log time.Duration // after t0
		lastStep int
		newJob   string
		want     LogQuiet
	}{
		{name: "loading: the job is seen, its log not followed yet", now: 0, log: -time.Second, lastStep: 1000,
			want: LogQuiet{Job: "100", SeenAt: t0}},
		{name: "first training step seen: the watch begins", now: time.Minute, log: 59 * time.Second, lastStep: 1001,
			want: LogQuiet{Job: "100", SeenAt: at(time.Minute), LogAt: at(59 * time.Second), FromStep: 1001}},
		{name: "the log grew a minute later", now: 2 * time.Minute, log: 2 * time.Minute, lastStep: 1050,
			want: LogQuiet{Job: "100", SeenAt: at(2 * time.Minute), LogAt: at(2 * time.Minute), Longest: 61 * time.Second, FromStep: 1001}},
		{name: "silent at a pass: nothing learned yet", now: 4 * time.Minute, log: 2 * time.Minute, lastStep: 1050,
			want: LogQuiet{Job: "100", SeenAt: at(4 * time.Minute), LogAt: at(2 * time.Minute), Longest: 61 * time.Second, FromStep: 1001}},
		{name: "the pause ended: its span is the longest", now: 6 * time.Minute, log: 5*time.Minute + 30*time.Second, lastStep: 1060,
			want: LogQuiet{Job: "100", SeenAt: at(6 * time.Minute), LogAt: at(5*time.Minute + 30*time.Second), Longest: 210 * time.Second, FromStep: 1001}},
		{name: "a shorter span does not lower it", now: 7 * time.Minute, log: 7 * time.Minute, lastStep: 1100,
			want: LogQuiet{Job: "100", SeenAt: at(7 * time.Minute), LogAt: at(7 * time.Minute), Longest: 210 * time.Second, FromStep: 1001}},
		{name: "the daemon was away 23 minutes: that span is not learned, the watch starts over", now: 30 * time.Minute, log: 29 * time.Minute, lastStep: 1300,
			want: LogQuiet{Job: "100", SeenAt: at(30 * time.Minute), LogAt: at(29 * time.Minute), Longest: 210 * time.Second, FromStep: 1300}},
		{name: "the next job, loading: what was learned is kept", now: 40 * time.Minute, log: 40 * time.Minute, lastStep: 1100, newJob: "101",
			want: LogQuiet{Job: "101", SeenAt: at(40 * time.Minute), Longest: 210 * time.Second, FromStep: 1300}},
		{name: "the next job trains: the watch starts over, nothing having been watched whole", now: 41 * time.Minute, log: 41 * time.Minute, lastStep: 1101,
			want: LogQuiet{Job: "101", SeenAt: at(41 * time.Minute), LogAt: at(41 * time.Minute), Longest: 210 * time.Second, FromStep: 1101}},
	}
	for _, s := range steps {
		if s.newJob != "" {
			st.Job = &JobRecord{ID: s.newJob, Attempt: 2, ResumeStep: 1100, Tag: "nsv:d20:2:bb", Submitted: at(35 * time.Minute), State: "RUNNING"}
		}
		in := input(st)
		in.Now = at(s.now)
		in.Slurm.Job = sacctRow(st.Job.ID, "RUNNING", "0:0")
		in.Slurm.Job.End = time.Time{}
		in.Log = LogView{Path: "d20.out", Summary: &trainer.LogSummary{LastStep: s.lastStep}, ModTime: at(s.log)}
		st = Decide(in).Next
		if st.Quiet != s.want {
			t.Fatalf("%s:\nQuiet = %+v\nwant    %+v", s.name, st.Quiet, s.want)
		}
	}
}

// TestLearnQuietLapseOnceWatched: once every kind of pause has been
// watched, a lapse of the daemon neither teaches a span nor restarts the
// watch, so the learned wait holds at once.
func TestLearnQuietLapseOnceWatched(t *testing.T) {
	in := learnedInput(time.Minute)
	in.State.Quiet.SeenAt = t0.Add(-time.Hour)
	in.State.Quiet.LogAt = t0.Add(-time.Hour)
	p := Decide(in)
	want := LogQuiet{Job: "100", SeenAt: t0, LogAt: t0.Add(-time.Minute), Longest: 5 * time.Minute, FromStep: 800}
	if p.Next.Quiet != want {
		t.Errorf("Quiet = %+v\nwant    %+v", p.Next.Quiet, want)
	}
	if p.RecheckAfter != 9*time.Minute {
		t.Errorf("RecheckAfter = %v, want 9m (the learned 10m wait)", p.RecheckAfter)
	}
}
