package run

import (
	"errors"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// done is running() once its targets were reached while job 100 ran on.
func done() RunState {
	st := running()
	st.Phase, st.Reason, st.NewestStep = PhaseDone, ReasonTargetReached, 2000
	st.ValBPB = []trainer.Point{{Step: 2000, Value: 0.74}}
	st.Core = []trainer.Point{{Step: 2000, Value: 0.26}}
	return st
}

func TestDecideFollowsTheJobOfARunThatIsOver(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(in *Input)
		state       string
		handled     bool
		phase       Phase
		wantEvent   string
		wantActions int
	}{
		{name: "done, job runs on: followed, left alone",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "RUNNING", "0:0") },
			state: "RUNNING", phase: PhaseDone},
		{name: "done, job completes: recorded and no longer polled",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0") },
			state: "COMPLETED", handled: true, phase: PhaseDone, wantEvent: EventJobStateChanged},
		{name: "done, sacct failed: nothing changes",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0")
				in.Slurm.SacctErr = errors.New("timed out")
			},
			state: "RUNNING", phase: PhaseDone},
		{name: "done, on_done: cancel: the job is cancelled",
			edit: func(in *Input) {
				in.Spec.CancelOnDone = true
				in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
			},
			state: "RUNNING", phase: PhaseDone, wantEvent: EventJobCancelled, wantActions: 1},
		{name: "done, on_done: cancel, sent a minute ago: not again yet",
			edit: func(in *Input) {
				in.Spec.CancelOnDone = true
				in.State.Job.CancelSent = t0.Add(-time.Minute)
				in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
			},
			state: "RUNNING", phase: PhaseDone},
		{name: "done, on_done: cancel, still live after cancelRetry: sent again, said once",
			edit: func(in *Input) {
				in.Spec.CancelOnDone = true
				in.State.Job.CancelSent = t0.Add(-cancelRetry)
				in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
			},
			state: "RUNNING", phase: PhaseDone, wantActions: 1},
		{name: "paused: the job's end is recorded but not handled",
			edit: func(in *Input) {
				in.State = running()
				in.Spec.Paused = true
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
			},
			state: "TIMEOUT", phase: PhasePaused, wantEvent: EventJobStateChanged},
		{name: "paused by the operator: the same",
			edit: func(in *Input) {
				in.State = running()
				in.State.Paused = true
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
			},
			state: "TIMEOUT", phase: PhasePaused, wantEvent: EventJobStateChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(done())
			tt.edit(&in)
			p := Decide(in)
			j := p.Next.Job
			if p.Next.Phase != tt.phase || j.State != tt.state || j.Handled != tt.handled {
				t.Errorf("phase %s, job %s handled %v; want %s, %s, %v", p.Next.Phase, j.State, j.Handled, tt.phase, tt.state, tt.handled)
			}
			if tt.wantEvent != "" && !hasEvent(p, tt.wantEvent) {
				t.Errorf("events %v; want %s", eventNames(p), tt.wantEvent)
			}
			if tt.wantEvent == "" && len(p.Events) > 0 {
				t.Errorf("events %v; want none", eventNames(p))
			}
			var cancels int
			for _, a := range p.Actions {
				if c, ok := a.(Cancel); ok && c.JobID == "100" {
					cancels++
				}
				if _, ok := a.(Submit); ok {
					t.Errorf("a run that is over or paused submitted: %+v", a)
				}
			}
			if cancels != tt.wantActions {
				t.Errorf("%d Cancel actions; want %d", cancels, tt.wantActions)
			}
		})
	}
}

func TestDecideTargetsRaisedAndLowered(t *testing.T) {
	in := input(done())
	in.State.Job.Handled = true
	in.Spec.Targets.ValBPB = fp(0.70)
	p := Decide(in)
	if p.Next.Phase != PhaseStopped || p.Next.Reason != ReasonTargetsRaised || !hasEvent(p, EventRunStopped) {
		t.Fatalf("raised: %s (%s), events %v; want stopped (targets_raised), run_stopped", p.Next.Phase, p.Next.Reason, eventNames(p))
	}
	if _, ok := p.Submission(); ok {
		t.Fatal("raising a target submitted a job")
	}
	again := Decide(Input{Now: t0, Spec: in.Spec, State: p.Next, Ckpt: in.Ckpt})
	if len(again.Events) > 0 || again.Next.Phase != PhaseStopped {
		t.Errorf("next pass: %s, events %v; want it to stay stopped, quietly", again.Next.Phase, eventNames(again))
	}
	in.State, in.Spec.Targets.ValBPB = p.Next, fp(0.745)
	back := Decide(in)
	if back.Next.Phase != PhaseDone || !hasEvent(back, EventRunTargetReached) {
		t.Errorf("lowered: %s, events %v; want done, run_target_reached", back.Next.Phase, eventNames(back))
	}
	other := input(done())
	other.State.Phase, other.State.Reason = PhaseStopped, ReasonCrashLoop
	if p := Decide(other); p.Next.Phase != PhaseStopped || p.Next.Reason != ReasonCrashLoop {
		t.Errorf("a crash-looped run with met targets became %s (%s); only targets_raised is revisited", p.Next.Phase, p.Next.Reason)
	}
}

func TestDecideStuckPending(t *testing.T) {
	pending := func(reason string, since time.Duration, reported bool) Input {
		in := input(running())
		in.State.Job.State = "PENDING"
		in.State.Job.PendingReason, in.State.Job.PendingSince = reason, t0.Add(-since)
		in.State.Job.StuckReported = reported
		in.Spec.Policy.StuckPendingAfter = time.Hour
		in.Slurm.Job = sacctRow("100", "PENDING", "0:0")
		q := queued("100", "PENDING", "nsv:d20:1:aa")
		q.Reason = reason
		in.Slurm.Queue = append(in.Slurm.Queue, q)
		return in
	}
	tests := []struct {
		name   string
		in     Input
		report bool
	}{
		{"held for an hour: reported", pending("JobHeldUser", time.Hour, false), true},
		{"held for a minute: not yet", pending("JobHeldUser", time.Minute, false), false},
		{"reported already: once per job", pending("JobHeldUser", 2*time.Hour, true), false},
		{"waiting its turn for a day: clears by itself", pending("Priority", 24*time.Hour, false), false},
		{"allocation spent: reported", pending("AssocGrpBillingMinutes", 90*time.Minute, false), true},
		{"stuck_pending_after 0: never", func() Input {
			in := pending("JobHeldAdmin", 24*time.Hour, false)
			in.Spec.Policy.StuckPendingAfter = 0
			return in
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Decide(tt.in)
			if got := hasEvent(p, EventJobStuckPending); got != tt.report {
				t.Errorf("job_stuck_pending logged: %v, want %v (events %v)", got, tt.report, eventNames(p))
			}
			if p.Next.Phase != PhaseRunning {
				t.Errorf("phase %s; a pending job is waited for, never acted upon", p.Next.Phase)
			}
		})
	}

	// A new reason restarts the clock and is recorded.
	in := pending("Priority", 3*time.Hour, false)
	in.Slurm.Queue[0].Reason = "JobHeldUser"
	p := Decide(in)
	if j := p.Next.Job; j.PendingReason != "JobHeldUser" || !j.PendingSince.Equal(t0) || hasEvent(p, EventJobStuckPending) {
		t.Errorf("reason %q since %v, events %v; want JobHeldUser since now, nothing reported", j.PendingReason, j.PendingSince, eventNames(p))
	}
	if !p.Next.Updated.Equal(t0) {
		t.Error("a new pending reason is not recorded (Updated unchanged)")
	}
}
