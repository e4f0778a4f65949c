package run

import (
	"cmp"
	"reflect"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// queueing is running() with queue_ahead: true and job 100 RUNNING.
func queueing() Input {
	in := input(running())
	in.Spec.QueueAhead = true
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Slurm.Queue = []slurm.QueueEntry{queued("100", "RUNNING", "nsv:d20:1:aa")}
	return in
}

// withSuccessor adds job 101 queued behind job 100.
func withSuccessor(in *Input) {
	in.State.Attempts = 2
	in.State.Successor = &JobRecord{ID: "101", Attempt: 2, ResumeStep: UnknownStep, Tag: "nsv:d20:2:qbeef", Submitted: t0.Add(-time.Hour)}
	in.Slurm.Queue = append(in.Slurm.Queue, queued("101", "PENDING", "nsv:d20:2:qbeef"))
}

func successorIntent(in *Input, at time.Time) {
	in.State.Attempts = 2
	in.State.Intent = &Intent{Tag: "nsv:d20:2:qbeef", Attempt: 2, FromStep: UnknownStep, At: at, After: "100"}
}

func actionsOf[T Action](p Plan) []T {
	var out []T
	for _, a := range p.Actions {
		if x, ok := a.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func TestDecideQueueAhead(t *testing.T) {
	succ := Submit{Attempt: 2, FromStep: UnknownStep, Tag: "nsv:d20:2:qbeef", After: "100"}
	tests := []struct {
		name     string
		edit     func(in *Input)
		phase    Phase
		submit   *Submit
		cancel   []string // job ids cancelled
		job      string   // the run's job afterwards
		succ     string   // the successor afterwards ("" none)
		attempts int
		event    string
		resume   int // the promoted successor's resume step (0: the newest complete)
	}{
		{
			name:  "off by default: nothing queued",
			edit:  func(in *Input) { in.Spec.QueueAhead = false },
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name:  "running job: its successor is queued behind it, tagged apart",
			edit:  func(in *Input) {},
			phase: PhaseRunning, submit: &succ, job: "100", attempts: 2, event: EventSubmitIntent,
		},
		{
			name:  "pending job: its successor is queued behind it too",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "PENDING", "0:0") },
			phase: PhaseRunning, submit: &succ, job: "100", attempts: 2, event: EventSubmitIntent,
		},
		{
			name: "job not in sacct yet, live in squeue: queued behind it",
			edit: func(in *Input) {
				in.Slurm.Job = nil
				in.Slurm.Queue = []slurm.QueueEntry{queued("100", "PENDING", "nsv:d20:1:aa")}
			},
			phase: PhaseRunning, submit: &succ, job: "100", attempts: 2, event: EventSubmitIntent,
		},
		{
			name:  "requeued job: nothing queued until it is back",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "REQUEUED", "0:0") },
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name: "checkpoint directory missing while the job runs: nothing queued (it would start afresh)",
			edit: func(in *Input) {
				in.Spec.Start = StartSubmit
				in.Ckpt = CkptView{Missing: true, Newest: NoStep}
			},
			phase: PhaseRunning, job: "100", attempts: 1, event: EventCheckpointDirMissing,
		},
		{
			name: "checkpoint directory missing with a successor queued: the successor is cancelled",
			edit: func(in *Input) {
				withSuccessor(in)
				in.Ckpt = CkptView{Missing: true, Newest: NoStep}
			},
			phase: PhaseRunning, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1, event: EventJobCancelled,
		},
		{
			name: "held, the cancelled successor gone from squeue: forgotten, none queued",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.Attempts = 1
				in.State.Successor.CancelSent = t0.Add(-time.Minute)
				in.State.Successor.Outcome = ReasonCheckpointDirMissing
				in.State.Hold = &CheckpointHold{Reason: ReasonCheckpointDirMissing, Since: t0.Add(-time.Minute), Known: 1000, Found: NoStep}
				in.Slurm.Queue = []slurm.QueueEntry{queued("100", "RUNNING", "nsv:d20:1:aa")}
				in.Ckpt = CkptView{Missing: true, Newest: NoStep}
			},
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name: "held, the cancelled successor still live after the retry delay: scancel again",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.Attempts = 1
				in.State.Successor.CancelSent = t0.Add(-time.Hour)
				in.State.Successor.Outcome = ReasonCheckpointDirMissing
				in.State.Hold = &CheckpointHold{Reason: ReasonCheckpointDirMissing, Since: t0.Add(-time.Hour), Known: 1000, Found: NoStep}
				in.Ckpt = CkptView{Missing: true, Newest: NoStep}
			},
			phase: PhaseRunning, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1,
		},
		{
			name:  "successor already queued: no second one",
			edit:  withSuccessor,
			phase: PhaseRunning, job: "100", succ: "101", attempts: 2,
		},
		{
			name: "another live job of the run in the queue: none queued",
			edit: func(in *Input) {
				in.Slurm.Queue = append(in.Slurm.Queue, queued("102", "PENDING", ""))
			},
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name:  "budget spent: none queued",
			edit:  func(in *Input) { in.Spec.Policy.MaxAttempts = 1 },
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name:  "squeue not asked: none queued",
			edit:  func(in *Input) { in.Slurm.QueueAsked = false },
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name: "no checkpoint and start: adopt: none queued (it would start afresh)",
			edit: func(in *Input) {
				in.Ckpt.Newest = NoStep
				in.State.NewestStep = NoStep
			},
			phase: PhaseRunning, job: "100", attempts: 1,
		},
		{
			name: "successor intent found by its tag: known, the run goes on running",
			edit: func(in *Input) {
				successorIntent(in, t0.Add(-time.Minute))
				in.Slurm.Queue = append(in.Slurm.Queue, queued("101", "PENDING", "nsv:d20:2:qbeef"))
			},
			phase: PhaseRunning, job: "100", succ: "101", attempts: 2, event: EventJobQueued,
		},
		{
			name:  "successor intent not found yet: the run's job is followed meanwhile",
			edit:  func(in *Input) { successorIntent(in, t0.Add(-30*time.Second)) },
			phase: PhaseRunning, job: "100", attempts: 2,
		},
		{
			name:  "successor intent void after the grace: attempt given back, queued anew",
			edit:  func(in *Input) { successorIntent(in, t0.Add(-10*time.Minute)) },
			phase: PhaseRunning, submit: &succ, job: "100", attempts: 2, event: EventResubmitFailed,
		},
		{
			name: "job times out with progress: the successor takes over, nothing submitted",
			edit: func(in *Input) {
				withSuccessor(in)
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Slurm.Queue = []slurm.QueueEntry{queued("101", "RUNNING", "nsv:d20:2:qbeef")}
				in.Ckpt.Newest = 2000
			},
			phase: PhaseRunning, job: "101", attempts: 2, event: EventJobResubmitted,
		},
		{
			name: "the successor saved a step before the daemon saw the end: it resumed from the step before",
			edit: func(in *Input) {
				withSuccessor(in)
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Slurm.Queue = []slurm.QueueEntry{queued("101", "RUNNING", "nsv:d20:2:qbeef")}
				end := in.Slurm.Job.End
				in.Ckpt.Newest = 2100
				in.Ckpt.Complete = []CompleteStep{{Step: 1000}, {Step: 2000, ModTime: end.Add(-time.Minute)},
					{Step: 2100, ModTime: end.Add(20 * time.Second)}}
			},
			phase: PhaseRunning, job: "101", resume: 2000, attempts: 2, event: EventJobResubmitted,
		},
		{
			name: "second failure from the same step: poisoned, the successor (which would resume from it) cancelled",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.FailuresWithoutProgress = 1
				in.State.History = []JobRecord{{ID: "90", ResumeStep: 1000, Handled: true, NewestStepAtEnd: 1000, Outcome: ReasonAppFailure}}
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.Ckpt.Complete = []CompleteStep{{Step: 500, ModTime: t0.Add(-20 * time.Hour)}, {Step: 1000, ModTime: t0.Add(-20 * time.Hour)}}
				in.Slurm.Queue = in.Slurm.Queue[1:]
			},
			phase: PhaseBackoff, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1, event: EventCheckpointSuspect,
		},
		{
			name: "the cancelled successor is gone: resubmitted from the step before the poisoned one",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.Attempts = 1
				in.State.Phase, in.State.Reason = PhaseBackoff, ReasonSuspectFallback
				in.State.Job.Handled, in.State.Job.Outcome = true, ReasonSuspectFallback
				in.State.Successor.CancelSent = t0.Add(-time.Minute)
				in.State.Suspect = []SuspectStep{{Step: 1000, ModTime: t0.Add(-20 * time.Hour), At: t0.Add(-time.Minute)}}
				in.Slurm.Queue = nil
				in.Ckpt.Complete = []CompleteStep{{Step: 500, ModTime: t0.Add(-20 * time.Hour)}, {Step: 1000, ModTime: t0.Add(-20 * time.Hour)}}
			},
			phase: PhaseSubmitting, submit: &Submit{Attempt: 2, FromStep: 500, Tag: "nsv:d20:2:beef"}, job: "100", attempts: 2,
			event: EventSubmitIntent,
		},
		{
			name: "job fails without progress: the successor takes over despite the backoff",
			edit: func(in *Input) {
				withSuccessor(in)
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.Slurm.Queue = in.Slurm.Queue[1:]
			},
			phase: PhaseRunning, job: "101", attempts: 2, event: EventJobResubmitted,
		},
		{
			name: "job ends with the successor's intent unresolved: wait for the tag, never twin",
			edit: func(in *Input) {
				successorIntent(in, t0.Add(-30*time.Second))
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Slurm.Queue = nil
				in.Ckpt.Newest = 2000
			},
			phase: PhaseSubmitting, job: "100", attempts: 2,
		},
		{
			name: "job cancelled by the user: run stopped, successor cancelled",
			edit: func(in *Input) {
				withSuccessor(in)
				in.Slurm.Job = sacctRow("100", "CANCELLED by 1000", "0:0")
				in.Slurm.Queue = in.Slurm.Queue[1:]
			},
			phase: PhaseStopped, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1, event: EventJobCancelled,
		},
		{
			name: "crash loop: run stopped, successor cancelled",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.FailuresWithoutProgress = 1
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.Slurm.Queue = in.Slurm.Queue[1:]
			},
			phase: PhaseStopped, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1, event: EventJobCancelled,
		},
		{
			name: "targets reached while the job runs: done, successor cancelled",
			edit: func(in *Input) {
				withSuccessor(in)
				in.Ckpt.Newest = 2000
				in.Log.Summary = &trainer.LogSummary{ValBPB: []trainer.Point{{Step: 2000, Value: 0.7}}, Core: []trainer.Point{{Step: 2000, Value: 0.3}}, LastStep: 2000, ResumedFrom: -1}
			},
			phase: PhaseDone, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1, event: EventJobCancelled,
		},
		{
			name:  "paused: successor cancelled, the job runs on",
			edit:  func(in *Input) { withSuccessor(in); in.Spec.Paused = true },
			phase: PhasePaused, cancel: []string{"101"}, job: "100", succ: "101", attempts: 1, event: EventJobCancelled,
		},
		{
			name: "cancelled successor gone from squeue: forgotten",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.Phase, in.State.Reason = PhaseStopped, ReasonCancelledByUser
				in.State.Successor.CancelSent = t0.Add(-time.Minute)
				in.Slurm.Queue = nil
			},
			phase: PhaseStopped, job: "100", attempts: 2,
		},
		{
			name: "cancelled successor still live: scancel again after the retry delay",
			edit: func(in *Input) {
				withSuccessor(in)
				in.State.Phase, in.State.Reason = PhaseStopped, ReasonCancelledByUser
				in.State.Successor.CancelSent = t0.Add(-10 * time.Minute)
			},
			phase: PhaseStopped, cancel: []string{"101"}, job: "100", succ: "101", attempts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := queueing()
			tt.edit(&in)
			p := Decide(in)
			if p.Next.Phase != tt.phase {
				t.Errorf("phase = %s (%s), want %s", p.Next.Phase, p.Next.Reason, tt.phase)
			}
			subs := actionsOf[Submit](p)
			if tt.submit == nil && len(subs) > 0 {
				t.Errorf("submitted %+v, want nothing", subs)
			}
			if tt.submit != nil && (len(subs) != 1 || subs[0] != *tt.submit) {
				t.Errorf("submissions = %+v, want %+v", subs, *tt.submit)
			}
			var cancelled []string
			for _, c := range actionsOf[Cancel](p) {
				cancelled = append(cancelled, c.JobID)
			}
			if !reflect.DeepEqual(cancelled, tt.cancel) {
				t.Errorf("cancelled %v, want %v", cancelled, tt.cancel)
			}
			if got := p.Next.Job.ID; got != tt.job {
				t.Errorf("job = %s, want %s", got, tt.job)
			}
			wantResume := cmp.Or(tt.resume, in.Ckpt.Newest)
			if j := p.Next.Job; j.ID == "101" && j.ResumeStep != wantResume {
				t.Errorf("promoted successor resumes from %d, want %d", j.ResumeStep, wantResume)
			}
			gotSucc := ""
			if p.Next.Successor != nil {
				gotSucc = p.Next.Successor.ID
			}
			if gotSucc != tt.succ {
				t.Errorf("successor = %q, want %q", gotSucc, tt.succ)
			}
			if p.Next.Attempts != tt.attempts {
				t.Errorf("attempts = %d, want %d", p.Next.Attempts, tt.attempts)
			}
			if tt.event != "" && !hasEvent(p, tt.event) {
				t.Errorf("events %v, want %s", eventNames(p), tt.event)
			}
		})
	}
}

// A submission of a run that queues ahead asks for a pass soon, to queue
// the successor behind the new job: nothing else wakes the daemon then.
func TestDecideQueueAheadLooksAgainAfterSubmitting(t *testing.T) {
	for _, on := range []bool{false, true} {
		in := queueing()
		in.Spec.QueueAhead = on
		in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
		in.Slurm.Queue = nil
		in.Ckpt.Newest = 2000
		p := Decide(in)
		if _, ok := p.Submission(); !ok {
			t.Fatalf("queue_ahead %v: no submission", on)
		}
		if soon := p.RecheckAfter > 0 && p.RecheckAfter <= shortRecheck; soon != on {
			t.Errorf("queue_ahead %v: recheck after %v", on, p.RecheckAfter)
		}
	}
}
