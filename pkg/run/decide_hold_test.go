package run

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// ended is a run whose job 100 (attempt 1, resumed from 1000) has just
// ended in state, as sacct and squeue agree.
func ended(state string) Input {
	in := input(running())
	in.Slurm.Job = sacctRow("100", state, "0:0")
	return in
}

func TestDecideCheckpointHold(t *testing.T) {
	gone := errors.New("stat ckpt: stale NFS file handle")
	tests := []struct {
		name   string
		in     Input
		edit   func(in *Input)
		phase  Phase
		reason string
		event  string // "" : none of the hold events
		from   *int   // the submission's step; nil: no submission
	}{
		{
			name:  "job ends while the directory is missing: hold, judge nothing",
			in:    ended("TIMEOUT"),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true} },
			phase: PhaseHeld, reason: ReasonCheckpointDirMissing, event: EventCheckpointDirMissing,
		},
		{
			name:  "job ends with the directory emptied (unmounted): hold",
			in:    ended("FAILED"),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1} },
			phase: PhaseHeld, reason: ReasonCheckpointRegressed, event: EventCheckpointRegressed,
		},
		{
			name:  "job ends with the newest step older than the one it resumed from: hold",
			in:    ended("TIMEOUT"),
			edit:  func(in *Input) { in.Ckpt.Newest = 500 },
			phase: PhaseHeld, reason: ReasonCheckpointRegressed, event: EventCheckpointRegressed,
		},
		{
			name:  "job ends with the directory unreadable: hold, with the error",
			in:    ended("TIMEOUT"),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Err: gone} },
			phase: PhaseHeld, reason: ReasonCheckpointError, event: EventCheckpointDirMissing,
		},
		{
			name: "adopted job whose log resumed from 3000, directory empty: hold",
			in: func() Input {
				st := running()
				st.NewestStep, st.Job.ResumeStep, st.Job.Adopted = NoStep, UnknownStep, true
				in := ended("TIMEOUT")
				in.State = st
				in.Log.Summary = &trainer.LogSummary{ResumedFrom: 3000, LastStep: 3050}
				return in
			}(),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true} },
			phase: PhaseHeld, reason: ReasonCheckpointDirMissing, event: EventCheckpointDirMissing,
		},
		{
			name: "backoff over, directory missing: hold instead of a fresh start",
			in: func() Input {
				st := running()
				st.Phase, st.Reason, st.BackoffUntil = PhaseBackoff, ReasonBackoff, t0.Add(-time.Second)
				st.Job.Handled = true
				return input(st)
			}(),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true} },
			phase: PhaseHeld, reason: ReasonCheckpointDirMissing, event: EventCheckpointDirMissing,
		},
		{
			name: "a running job's directory vanishes: logged, the job followed",
			in:   input(running()),
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
				in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true}
			},
			phase: PhaseRunning, reason: ReasonJobLive, event: EventCheckpointDirMissing,
		},
		{
			name: "start: submit, never a checkpoint, directory not created yet: fresh start",
			in: func() Input {
				in := input(NewRunState("d20"))
				in.Spec.Start = StartSubmit
				return in
			}(),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true} },
			phase: PhaseSubmitting, reason: ReasonStartSubmit, from: ptr(NoStep),
		},
		{
			name: "fresh attempt died before its first checkpoint, directory missing: fresh again",
			in: func() Input {
				in := ended("TIMEOUT")
				in.State.NewestStep, in.State.Job.ResumeStep = NoStep, NoStep
				in.Spec.Start = StartSubmit
				in.Spec.Policy.Backoff = 0
				return in
			}(),
			edit:  func(in *Input) { in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true} },
			phase: PhaseSubmitting, reason: ReasonTimeoutNoProgress, from: ptr(NoStep),
		},
		{
			name: "a suspect newest step is skipped, not a regression",
			in: func() Input {
				in := ended("TIMEOUT")
				in.Ckpt.Newest = 2000
				in.Ckpt.Complete = []CompleteStep{{Step: 1000}, {Step: 2000}}
				in.State.NewestStep = 2000
				in.State.Suspect = []SuspectStep{{Step: 2000}}
				return in
			}(),
			edit:  func(*Input) {},
			phase: PhaseBackoff, reason: ReasonBackoff,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			tt.edit(&in)
			p := Decide(in)
			if p.Next.Phase != tt.phase || p.Next.Reason != tt.reason {
				t.Errorf("phase, reason = %s, %s; want %s, %s", p.Next.Phase, p.Next.Reason, tt.phase, tt.reason)
			}
			var holdEvents []string
			for _, name := range eventNames(p) {
				if name == EventCheckpointDirMissing || name == EventCheckpointRegressed {
					holdEvents = append(holdEvents, name)
				}
			}
			if want := []string{tt.event}; tt.event == "" && len(holdEvents) > 0 || tt.event != "" && !slices.Equal(holdEvents, want) {
				t.Errorf("hold events %v; want %q", holdEvents, tt.event)
			}
			sub, ok := p.Submission()
			switch {
			case tt.from == nil && ok:
				t.Errorf("submitted %+v; want nothing", sub)
			case tt.from != nil && (!ok || sub.FromStep != *tt.from):
				t.Errorf("submission %+v (%v); want one from step %d", sub, ok, *tt.from)
			}
			if tt.phase == PhaseHeld && !in.State.Job.Handled && p.Next.Job.Handled {
				t.Errorf("the job's end was judged while held (outcome %q); want it left for when the checkpoints are back", p.Next.Job.Outcome)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// A hold is logged once, kept quietly while it lasts, and released with
// the job's end judged from the checkpoints that came back.
func TestDecideCheckpointHoldEpisode(t *testing.T) {
	in := ended("TIMEOUT")
	in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true}
	p := Decide(in)
	if h := p.Next.Hold; h == nil || h.Known != 1000 || h.Since != t0 {
		t.Fatalf("hold %+v; want one since t0 for known step 1000", h)
	}

	for i := 1; i <= 3; i++ {
		again := in
		again.State, again.Now = p.Next, t0.Add(time.Duration(i)*time.Minute)
		p = Decide(again)
		if len(p.Events) != 0 || p.Next.Phase != PhaseHeld {
			t.Fatalf("pass %d of the hold: events %v, phase %s; want none, held", i, eventNames(p), p.Next.Phase)
		}
	}
	if p.Next.Hold.Since != t0 {
		t.Errorf("hold since %s; want t0 (the episode's start)", p.Next.Hold.Since)
	}

	back := in
	back.State, back.Now = p.Next, t0.Add(10*time.Minute)
	back.Ckpt = CkptView{Newest: 2000, FreeBytes: -1}
	p = Decide(back)
	if !hasEvent(p, EventCheckpointHoldReleased) || p.Next.Hold != nil {
		t.Errorf("events %v, hold %+v; want the hold released", eventNames(p), p.Next.Hold)
	}
	sub, ok := p.Submission()
	if !ok || sub.FromStep != 2000 || p.Next.Job.Outcome != ReasonTimeout || p.Next.FailuresWithoutProgress != 0 {
		t.Errorf("submission %+v (%v), outcome %q, failures %d; want from 2000 after a TIMEOUT with progress",
			sub, ok, p.Next.Job.Outcome, p.Next.FailuresWithoutProgress)
	}
}

// Missing, then back but empty: two episodes of different kinds, each
// logged once.
func TestDecideCheckpointHoldChangesKind(t *testing.T) {
	in := ended("TIMEOUT")
	in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true}
	p := Decide(in)
	in.State, in.Now = p.Next, t0.Add(time.Minute)
	in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1}
	p = Decide(in)
	if got := eventNames(p); !slices.Equal(got, []string{EventCheckpointRegressed}) || p.Next.Hold.Since != in.Now {
		t.Errorf("events %v, hold %+v; want checkpoint_regressed starting now", got, p.Next.Hold)
	}
}

// Only an explicit step from the operator takes the directory as it is:
// resume --step 0 starts from scratch, forgetting what is gone.
func TestResumeWhileHeld(t *testing.T) {
	in := ended("TIMEOUT")
	in.State.ValBPB = []trainer.Point{{Step: 500, Value: 1.1}, {Step: 1000, Value: 0.9}}
	in.Ckpt = CkptView{Newest: NoStep, FreeBytes: -1, Missing: true}
	held := Decide(in).Next
	spec := in.Spec

	if _, _, err := ResumeState(held, spec, Request{Run: "d20"}, t0); err == nil {
		t.Errorf("plain resume of a held run accepted; want it refused (it would start from scratch)")
	}

	next, _, err := ResumeState(held, spec, Request{Run: "d20", Step: ptr(0)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	in.State = next
	p := Decide(in)
	sub, ok := p.Submission()
	if !ok || sub.FromStep != NoStep {
		t.Fatalf("phase %s, submission %+v (%v); want a fresh start", p.Next.Phase, sub, ok)
	}
	if p.Next.Hold != nil || p.Next.NewestStep != NoStep || len(p.Next.ValBPB) != 0 || !hasEvent(p, EventCheckpointHoldReleased) {
		t.Errorf("hold %+v, newest %d, val_bpb %v, events %v; want the hold released and the old steps forgotten",
			p.Next.Hold, p.Next.NewestStep, p.Next.ValBPB, eventNames(p))
	}

	// The fresh job runs while the directory is still missing, then writes
	// step 100: nothing holds any more.
	in.State = afterSubmit(p.Next, "101")
	in.Slurm.Job = sacctRow("101", "RUNNING", "0:0")
	if p := Decide(in); p.Next.Hold != nil || len(p.Events) > 1 {
		t.Errorf("fresh job running, directory still missing: hold %+v, events %v; want none", p.Next.Hold, eventNames(p))
	}
	in.Ckpt = CkptView{Newest: 100, FreeBytes: -1}
	if p := Decide(in); p.Next.Hold != nil || p.Next.NewestStep != 100 {
		t.Errorf("fresh job's first step: hold %+v, newest %d; want none, 100", p.Next.Hold, p.Next.NewestStep)
	}
}

func TestResumeFromOlderStepWhileRegressed(t *testing.T) {
	in := ended("TIMEOUT")
	in.Ckpt.Newest = 500
	held := Decide(in).Next
	next, _, err := ResumeState(held, in.Spec, Request{Run: "d20", Step: ptr(500)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	in.State = next
	p := Decide(in)
	if sub, ok := p.Submission(); !ok || sub.FromStep != 500 || p.Next.NewestStep != 500 {
		t.Errorf("submission %+v (%v), newest %d; want from 500, newest 500", sub, ok, p.Next.NewestStep)
	}
}

// afterSubmit is the state once sbatch gave the plan's submission job id.
func afterSubmit(st RunState, id string) RunState {
	st = st.Clone()
	it := st.Intent
	st.Job = &JobRecord{ID: id, Attempt: it.Attempt, ResumeStep: it.FromStep, Tag: it.Tag, Submitted: t0}
	st.Intent, st.Phase = nil, PhaseRunning
	return st
}
