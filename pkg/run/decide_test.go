package run

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func fp(v float64) *float64 { return &v }

// running is a run whose attempt 1 (job 100) resumed from step 1000.
func running() RunState {
	return RunState{
		Name: "d20", Phase: PhaseRunning, Reason: ReasonJobLive, Attempts: 1, NewestStep: 1000,
		Job: &JobRecord{ID: "100", Attempt: 1, ResumeStep: 1000, Tag: "nsv:d20:1:aa", Submitted: t0.Add(-10 * time.Hour), State: "RUNNING"},
	}
}

func input(st RunState) Input {
	return Input{
		Now: t0,
		Spec: RunSpec{
			Name: "d20", JobName: "d20-ckpt", Start: StartAdopt,
			Targets:      trainer.Targets{ValBPB: fp(0.75), CoreMetric: fp(0.25)},
			Policy:       Policy{MaxAttempts: 50, MaxFailuresWithoutProgress: 2, Backoff: time.Minute, MaxBackoff: 30 * time.Minute, RetryAfterProgress: 10 * time.Second},
			PollInterval: 2 * time.Minute,
		},
		State: st,
		Slurm: SlurmView{QueueAsked: true, WindowAsked: true},
		Ckpt:  CkptView{Newest: 1000},
		UID:   "1000", Nonce: "beef", Rand: 0.5,
	}
}

func sacctRow(id, state, exit string) *slurm.Job {
	ec, _ := slurm.ParseExitCode(exit)
	return &slurm.Job{ID: id, RawID: id, Name: "d20-ckpt", State: slurm.ParseState(state), ExitCode: ec,
		Submit: t0.Add(-10 * time.Hour), Start: t0.Add(-10 * time.Hour), End: t0.Add(-time.Minute)}
}

func queued(id, state, comment string) slurm.QueueEntry {
	return slurm.QueueEntry{ID: id, Name: "d20-ckpt", State: slurm.ParseState(state), Comment: comment, Submit: t0.Add(-time.Minute)}
}

func eventNames(p Plan) []string {
	var names []string
	for _, e := range p.Events {
		names = append(names, e.Name)
	}
	return names
}

func hasEvent(p Plan, name string) bool {
	for _, e := range p.Events {
		if e.Name == name {
			return true
		}
	}
	return false
}

func TestDecideJobEnds(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(in *Input)
		phase     Phase
		reason    string
		submit    *Submit // nil: no submission
		failures  int
		backoff   time.Duration
		wantEvent string
	}{
		{
			name:  "running job: wait",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "RUNNING", "0:0") },
			phase: PhaseRunning, reason: ReasonJobLive,
		},
		{
			name:  "just submitted, no sacct row yet: wait",
			edit:  func(in *Input) { in.State.Job.Submitted = t0.Add(-2 * time.Second) },
			phase: PhaseRunning, reason: ReasonJobNotInSacct,
		},
		{
			name:  "requeued after preemption (sacct PENDING again): wait",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "PENDING", "0:0") },
			phase: PhaseRunning, reason: ReasonJobLive,
		},
		{
			name: "TIMEOUT with progress: resubmit at once from the newest complete step",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Ckpt.Newest = 2000
			},
			phase: PhaseSubmitting, reason: ReasonTimeout,
			submit: &Submit{Attempt: 2, FromStep: 2000, Tag: "nsv:d20:2:beef"},
		},
		{
			name:  "TIMEOUT without progress: counted, backed off",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0") },
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 1, backoff: time.Minute, wantEvent: EventRunBackoff,
		},
		{
			name: "second TIMEOUT without progress: crash loop",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.State.FailuresWithoutProgress = 1
			},
			phase: PhaseStopped, reason: ReasonCrashLoop, failures: 2, wantEvent: EventRunStopped,
		},
		{
			name: "FAILED after progress: resubmit after retry_after_progress, not the 1m backoff",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.Ckpt.Newest = 1500
				in.State.FailuresWithoutProgress = 1
			},
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 0, backoff: 10 * time.Second, wantEvent: EventRunBackoff,
		},
		{
			name: "FAILED after progress, retry_after_progress above the backoff: the backoff",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.Ckpt.Newest = 1500
				in.Spec.Policy.RetryAfterProgress = time.Hour
			},
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 0, backoff: time.Minute, wantEvent: EventRunBackoff,
		},
		{
			name: "FAILED after progress, retry_after_progress 0: resubmitted at once",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.Ckpt.Newest = 1500
				in.Spec.Policy.RetryAfterProgress = 0
			},
			phase: PhaseSubmitting, reason: ReasonAppFailure, failures: 0,
			submit: &Submit{Attempt: 2, FromStep: 1500, Tag: "nsv:d20:2:beef"},
		},
		{
			name: "OUT_OF_MEMORY after progress: also capped by retry_after_progress",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "OUT_OF_MEMORY", "0:125")
				in.Ckpt.Newest = 1500
			},
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 0, backoff: 10 * time.Second, wantEvent: EventRunBackoff,
		},
		{
			name: "NODE_FAIL after progress: infrastructure keeps the full backoff",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "NODE_FAIL", "0:0")
				in.Ckpt.Newest = 1500
			},
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 0, backoff: time.Minute, wantEvent: EventRunBackoff,
		},
		{
			name: "FAILED twice without progress: crash loop",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
				in.State.FailuresWithoutProgress = 1
			},
			phase: PhaseStopped, reason: ReasonCrashLoop, failures: 2, wantEvent: EventRunStopped,
		},
		{
			name:  "OUT_OF_MEMORY without progress: counted like FAILED",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "OUT_OF_MEMORY", "0:125") },
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 1, backoff: time.Minute,
		},
		{
			name:  "CANCELLED by the user's own uid: stopped",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "CANCELLED by 1000", "0:0") },
			phase: PhaseStopped, reason: ReasonCancelledByUser, wantEvent: EventRunStopped,
		},
		{
			name:  "CANCELLED by somebody else: stopped, said so",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "CANCELLED by 0", "0:0") },
			phase: PhaseStopped, reason: ReasonCancelledByOther, wantEvent: EventRunStopped,
		},
		{
			name: "COMPLETED but training unfinished: resubmitted, counted",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0")
				in.Log.Summary = &trainer.LogSummary{LastStep: 1200, PlannedTotal: 21400, ResumedFrom: 1000}
			},
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 1, backoff: time.Minute,
		},
		{
			name: "COMPLETED and finished below target: stopped",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0")
				in.Ckpt.Newest = 21400
				in.Ckpt.NewestValBPB = fp(0.80)
				in.Log.Summary = &trainer.LogSummary{LastStep: 21400, PlannedTotal: 21400, ResumedFrom: 1000, Finished: true}
			},
			phase: PhaseStopped, reason: ReasonCompletedBelowTarget, wantEvent: EventRunStopped,
		},
		{
			name: "NODE_FAIL: infrastructure, backed off, not a crash loop",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "NODE_FAIL", "0:0")
				in.State.FailuresWithoutProgress = 1
				in.State.InfraFailures = 3
			},
			phase: PhaseBackoff, reason: ReasonBackoff, failures: 1, backoff: 8 * time.Minute,
		},
		{
			name:  "PREEMPTED (final): infrastructure",
			edit:  func(in *Input) { in.Slurm.Job = sacctRow("100", "PREEMPTED", "0:0") },
			phase: PhaseBackoff, reason: ReasonBackoff, backoff: time.Minute,
		},
		{
			name: "TIMEOUT but still COMPLETING in squeue: wait for it to be gone",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Slurm.Queue = []slurm.QueueEntry{queued("100", "COMPLETING", "nsv:d20:1:aa")}
				in.Ckpt.Newest = 2000
			},
			phase: PhaseRunning, reason: ReasonJobEnding,
		},
		{
			name: "TIMEOUT but squeue failed: unknown, nothing decided",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Slurm.QueueErr = errors.New("squeue: Unable to contact slurm controller")
				in.Ckpt.Newest = 2000
			},
			phase: PhaseUnknown, reason: ReasonSlurmUnavailable,
		},
		{
			name: "sacct failed: unknown, nothing decided",
			edit: func(in *Input) {
				in.Slurm.SacctErr = errors.New("sacct: Problem talking to the database")
				in.Ckpt.Newest = 2000
			},
			phase: PhaseUnknown, reason: ReasonSlurmUnavailable,
		},
		{
			name: "TIMEOUT while another live job of the run exists: adopt it, no twin",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Slurm.Queue = []slurm.QueueEntry{queued("105", "PENDING", "")}
				in.Ckpt.Newest = 2000
			},
			phase: PhaseRunning, reason: ReasonAdoptedLive, wantEvent: EventRunAdopted,
		},
		{
			name: "TIMEOUT with the newest step still being written: wait",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Ckpt.Newest = 2000
				in.Ckpt.Settling = true
			},
			phase: PhaseBackoff, reason: ReasonCheckpointSettling,
		},
		{
			name: "budget spent: stopped",
			edit: func(in *Input) {
				in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
				in.Ckpt.Newest = 2000
				in.State.Attempts = 50
			},
			phase: PhaseStopped, reason: ReasonBudgetExhausted, wantEvent: EventRunStopped,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(running())
			tt.edit(&in)
			p := Decide(in)
			if p.Next.Phase != tt.phase || p.Next.Reason != tt.reason {
				t.Errorf("phase, reason = %s, %s; want %s, %s (events %v)", p.Next.Phase, p.Next.Reason, tt.phase, tt.reason, eventNames(p))
			}
			sub, ok := p.Submission()
			switch {
			case tt.submit == nil && ok:
				t.Errorf("submitted %+v; want no submission", sub)
			case tt.submit != nil && !ok:
				t.Errorf("no submission; want %+v", *tt.submit)
			case tt.submit != nil && sub != *tt.submit:
				t.Errorf("submission = %+v; want %+v", sub, *tt.submit)
			}
			if ok && (p.Next.Intent == nil || p.Next.Intent.Tag != sub.Tag || p.Next.Attempts != sub.Attempt) {
				t.Errorf("intent = %+v, attempts %d; want the submission recorded", p.Next.Intent, p.Next.Attempts)
			}
			if got := p.Next.FailuresWithoutProgress; got != tt.failures {
				t.Errorf("failures without progress = %d; want %d", got, tt.failures)
			}
			if tt.backoff > 0 {
				if got := p.Next.BackoffUntil.Sub(t0); got != tt.backoff {
					t.Errorf("backoff = %s; want %s", got, tt.backoff)
				}
			}
			if tt.wantEvent != "" && !hasEvent(p, tt.wantEvent) {
				t.Errorf("events = %v; want %s among them", eventNames(p), tt.wantEvent)
			}
		})
	}
}

func TestDecideTargets(t *testing.T) {
	t.Run("reached while running: done, then never resubmitted", func(t *testing.T) {
		in := input(running())
		in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		in.Ckpt.Newest, in.Ckpt.NewestValBPB = 2000, fp(0.74)
		in.Log.Summary = &trainer.LogSummary{Core: []trainer.Point{{Step: 2000, Value: 0.26}}, ResumedFrom: 1000}
		p := Decide(in)
		if p.Next.Phase != PhaseDone || !hasEvent(p, EventRunTargetReached) {
			t.Fatalf("phase %s, events %v; want done with %s", p.Next.Phase, eventNames(p), EventRunTargetReached)
		}
		later := input(p.Next)
		later.Now = t0.Add(time.Hour)
		later.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
		later.Ckpt.Newest = 2500
		p2 := Decide(later)
		if _, ok := p2.Submission(); ok || p2.Next.Phase != PhaseDone {
			t.Errorf("after done: phase %s, actions %v; want done and no submission", p2.Next.Phase, p2.Actions)
		}
	})
	t.Run("CORE remembered from an earlier job's log", func(t *testing.T) {
		st := running()
		st.Core = []trainer.Point{{Step: 1000, Value: 0.3}}
		in := input(st)
		in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		in.Ckpt.Newest, in.Ckpt.NewestValBPB = 1500, fp(0.70)
		if p := Decide(in); p.Next.Phase != PhaseDone {
			t.Errorf("phase %s; want done (val_bpb 0.70 at 1500, CORE 0.3 at 1000)", p.Next.Phase)
		}
	})
	t.Run("evaluation newer than the newest complete checkpoint does not count", func(t *testing.T) {
		in := input(running())
		in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		in.Ckpt.Newest, in.Ckpt.NewestValBPB = 2000, fp(0.80)
		in.Log.Summary = &trainer.LogSummary{
			ValBPB: []trainer.Point{{Step: 2500, Value: 0.70}}, Core: []trainer.Point{{Step: 2500, Value: 0.30}}, ResumedFrom: 1000,
		}
		p := Decide(in)
		if p.Next.Phase == PhaseDone {
			t.Fatalf("done on evaluations at step 2500 with the newest checkpoint at 2000")
		}
		// The evaluations are remembered for when the checkpoint lands.
		in2 := input(p.Next)
		in2.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		in2.Ckpt.Newest = 2500
		if p2 := Decide(in2); p2.Next.Phase != PhaseDone {
			t.Errorf("phase %s once step 2500 is complete; want done", p2.Next.Phase)
		}
	})
	t.Run("only val_bpb reached: keeps going", func(t *testing.T) {
		in := input(running())
		in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
		in.Ckpt.Newest, in.Ckpt.NewestValBPB = 2000, fp(0.70)
		in.Log.Summary = &trainer.LogSummary{Core: []trainer.Point{{Step: 2000, Value: 0.20}}, ResumedFrom: 1000}
		p := Decide(in)
		if _, ok := p.Submission(); !ok {
			t.Errorf("phase %s; want a resubmission (CORE 0.20 < 0.25)", p.Next.Phase)
		}
	})
}

func TestDecideNoJob(t *testing.T) {
	fresh := NewRunState("d20")
	tests := []struct {
		name   string
		start  StartMode
		edit   func(in *Input)
		phase  Phase
		reason string
		submit *Submit
		adopt  string
	}{
		{name: "adopt: live job by name", start: StartAdopt,
			edit:  func(in *Input) { in.Slurm.Queue = []slurm.QueueEntry{queued("42", "RUNNING", "")} },
			phase: PhaseRunning, reason: ReasonAdoptedLive, adopt: "42"},
		{name: "adopt: newest ended job by name", start: StartAdopt,
			edit: func(in *Input) {
				in.Slurm.Window = []slurm.Job{*sacctRow("40", "TIMEOUT", "0:0"), *sacctRow("41", "TIMEOUT", "0:0")}
				in.Slurm.Window[1].Submit = t0.Add(-time.Hour)
			},
			phase: PhaseRunning, reason: ReasonAdoptedEnded, adopt: "41"},
		{name: "adopt: nothing found: wait", start: StartAdopt, edit: func(*Input) {},
			phase: PhaseWaiting, reason: ReasonNoJob},
		{name: "adopt: squeue failed: unknown", start: StartAdopt,
			edit:  func(in *Input) { in.Slurm.QueueErr = errors.New("boom") },
			phase: PhaseUnknown, reason: ReasonSlurmUnavailable},
		{name: "wait: ended job is not adopted", start: StartWait,
			edit:  func(in *Input) { in.Slurm.Window = []slurm.Job{*sacctRow("40", "TIMEOUT", "0:0")} },
			phase: PhaseWaiting, reason: ReasonNoJob},
		{name: "wait: live job is adopted", start: StartWait,
			edit:  func(in *Input) { in.Slurm.Queue = []slurm.QueueEntry{queued("42", "PENDING", "")} },
			phase: PhaseRunning, reason: ReasonAdoptedLive, adopt: "42"},
		{name: "submit: no checkpoint: fresh submission", start: StartSubmit,
			edit:  func(in *Input) { in.Ckpt.Newest = NoStep },
			phase: PhaseSubmitting, reason: ReasonStartSubmit, submit: &Submit{Attempt: 1, FromStep: NoStep, Tag: "nsv:d20:1:beef"}},
		{name: "submit: resume from the newest complete checkpoint", start: StartSubmit,
			edit:  func(*Input) {},
			phase: PhaseSubmitting, reason: ReasonStartSubmit, submit: &Submit{Attempt: 1, FromStep: 1000, Tag: "nsv:d20:1:beef"}},
		{name: "submit: a live job exists: adopt, never a twin", start: StartSubmit,
			edit:  func(in *Input) { in.Slurm.Queue = []slurm.QueueEntry{queued("42", "RUNNING", "")} },
			phase: PhaseRunning, reason: ReasonAdoptedLive, adopt: "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(fresh)
			in.Spec.Start = tt.start
			tt.edit(&in)
			p := Decide(in)
			if p.Next.Phase != tt.phase || p.Next.Reason != tt.reason {
				t.Errorf("phase, reason = %s, %s; want %s, %s", p.Next.Phase, p.Next.Reason, tt.phase, tt.reason)
			}
			sub, ok := p.Submission()
			if (tt.submit == nil) == ok || (ok && sub != *tt.submit) {
				t.Errorf("submission = %+v (%v); want %+v", sub, ok, tt.submit)
			}
			gotAdopt := ""
			if p.Next.Job != nil {
				gotAdopt = p.Next.Job.ID
			}
			if gotAdopt != tt.adopt {
				t.Errorf("job = %q; want %q", gotAdopt, tt.adopt)
			}
		})
	}
}

func TestDecideNoCheckpointAfterFailure(t *testing.T) {
	st := running()
	st.Job.ResumeStep, st.NewestStep = NoStep, NoStep
	in := input(st)
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Ckpt.Newest = NoStep
	in.State.FailuresWithoutProgress = 0
	p := Decide(in)
	// Counted (no progress), backed off; then, past the backoff, waits for
	// a checkpoint rather than starting from scratch (start: adopt).
	later := input(p.Next)
	later.Now = p.Next.BackoffUntil.Add(time.Second)
	later.Ckpt.Newest = NoStep
	p2 := Decide(later)
	if _, ok := p2.Submission(); ok || p2.Next.Reason != ReasonNoCheckpoint {
		t.Errorf("phase %s reason %s; want waiting for a checkpoint, no submission", p2.Next.Phase, p2.Next.Reason)
	}
}

func TestDecideBackoffThenSubmit(t *testing.T) {
	in := input(running())
	in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
	in.Ckpt.Newest = 1500
	in.Spec.Policy.RetryAfterProgress = time.Hour // the full 1m backoff applies
	p := Decide(in)
	if p.Next.Phase != PhaseBackoff {
		t.Fatalf("phase %s; want backoff", p.Next.Phase)
	}
	// Handled once: a second pass before the backoff ends changes nothing
	// and counts nothing.
	again := input(p.Next)
	again.Now = t0.Add(30 * time.Second)
	again.Ckpt.Newest = 1500
	p2 := Decide(again)
	if _, ok := p2.Submission(); ok || p2.Next.FailuresWithoutProgress != p.Next.FailuresWithoutProgress {
		t.Fatalf("second pass inside the backoff: %v, failures %d", p2.Actions, p2.Next.FailuresWithoutProgress)
	}
	after := input(p2.Next)
	after.Now = t0.Add(2 * time.Minute)
	after.Ckpt.Newest = 1500
	p3 := Decide(after)
	sub, ok := p3.Submission()
	if want := (Submit{Attempt: 2, FromStep: 1500, Tag: "nsv:d20:2:beef"}); !ok || sub != want {
		t.Errorf("after backoff: submission %+v (%v); want %+v", sub, ok, want)
	}
}

func TestDecideIntent(t *testing.T) {
	withIntent := func(age time.Duration) RunState {
		st := running()
		st.Job.State, st.Job.Handled = "TIMEOUT", true
		st.Attempts = 2
		st.Phase = PhaseSubmitting
		st.Intent = &Intent{Tag: "nsv:d20:2:cafe", Attempt: 2, FromStep: 2000, At: t0.Add(-age)}
		return st
	}
	t.Run("tag found in squeue: adopted with its attempt", func(t *testing.T) {
		in := input(withIntent(time.Minute))
		in.Slurm.Queue = []slurm.QueueEntry{queued("101", "PENDING", "nsv:d20:2:cafe")}
		p := Decide(in)
		if p.Next.Job == nil || p.Next.Job.ID != "101" || p.Next.Job.Attempt != 2 || p.Next.Job.ResumeStep != 2000 || p.Next.Intent != nil {
			t.Errorf("job %+v intent %+v; want job 101 attempt 2 from 2000, intent cleared", p.Next.Job, p.Next.Intent)
		}
		if len(p.Next.History) != 1 || p.Next.History[0].ID != "100" {
			t.Errorf("history %+v; want the ended job 100 archived", p.Next.History)
		}
	})
	t.Run("tag found in sacct after the job ended", func(t *testing.T) {
		in := input(withIntent(10 * time.Minute))
		row := *sacctRow("101", "FAILED", "1:0")
		row.Comment = "nsv:d20:2:cafe"
		in.Slurm.Window = []slurm.Job{row}
		p := Decide(in)
		if p.Next.Job == nil || p.Next.Job.ID != "101" {
			t.Errorf("job %+v; want 101 adopted", p.Next.Job)
		}
	})
	t.Run("not found within the grace period: wait", func(t *testing.T) {
		p := Decide(input(withIntent(30 * time.Second)))
		if _, ok := p.Submission(); ok || p.Next.Phase != PhaseSubmitting {
			t.Errorf("phase %s actions %v; want waiting for the intent", p.Next.Phase, p.Actions)
		}
	})
	t.Run("an unnamed sacct row might be ours: wait", func(t *testing.T) {
		in := input(withIntent(10 * time.Minute))
		row := *sacctRow("101", "FAILED", "1:0")
		row.Name, row.Submit = "allocation", t0.Add(-9*time.Minute)
		in.Slurm.Window = []slurm.Job{row}
		if p := Decide(in); p.Next.Reason != ReasonIntentPending {
			t.Errorf("reason %s; want %s", p.Next.Reason, ReasonIntentPending)
		}
	})
	t.Run("squeue failed: unknown, no submission", func(t *testing.T) {
		in := input(withIntent(10 * time.Minute))
		in.Slurm.QueueErr = errors.New("timeout")
		p := Decide(in)
		if _, ok := p.Submission(); ok || p.Next.Phase != PhaseUnknown {
			t.Errorf("phase %s actions %v; want unknown", p.Next.Phase, p.Actions)
		}
	})
	t.Run("void after the grace period: the same attempt is submitted again", func(t *testing.T) {
		in := input(withIntent(10 * time.Minute))
		in.Ckpt.Newest = 2000
		p := Decide(in)
		sub, ok := p.Submission()
		if want := (Submit{Attempt: 2, FromStep: 2000, Tag: "nsv:d20:2:beef"}); !ok || sub != want {
			t.Errorf("submission %+v (%v); want %+v", sub, ok, want)
		}
		if !hasEvent(p, EventResubmitFailed) {
			t.Errorf("events %v; want %s for the void intent", eventNames(p), EventResubmitFailed)
		}
	})
}

func TestDecidePausedAndTerminal(t *testing.T) {
	in := input(running())
	in.Spec.Paused = true
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Ckpt.Newest = 2000
	p := Decide(in)
	if _, ok := p.Submission(); ok || p.Next.Phase != PhasePaused {
		t.Errorf("paused: phase %s actions %v", p.Next.Phase, p.Actions)
	}
	st := running()
	st.Phase, st.Reason = PhaseStopped, ReasonCrashLoop
	in = input(st)
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Ckpt.Newest = 2000
	if p := Decide(in); len(p.Actions) != 0 || p.Next.Phase != PhaseStopped {
		t.Errorf("stopped: phase %s actions %v; want nothing", p.Next.Phase, p.Actions)
	}
}

func TestDecideAdoptedUnknownResumeStep(t *testing.T) {
	st := running()
	st.Job.ResumeStep, st.Job.Adopted, st.Job.Attempt = UnknownStep, true, 0
	st.Attempts = 0
	in := input(st)
	in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
	in.Log.Summary = &trainer.LogSummary{ResumedFrom: 1000, LastStep: 1100}
	p := Decide(in)
	if p.Next.FailuresWithoutProgress != 1 || p.Next.Job.ResumeStep != 1000 {
		t.Errorf("failures %d resume %d; want 1 and 1000 (from the log)", p.Next.FailuresWithoutProgress, p.Next.Job.ResumeStep)
	}
	in.Log.Summary = nil
	if p := Decide(in); p.Next.FailuresWithoutProgress != 0 {
		t.Errorf("failures %d; want 0 when the resume step is unknowable", p.Next.FailuresWithoutProgress)
	}
}

func TestDecideIsPure(t *testing.T) {
	st := running()
	st.Core = []trainer.Point{{Step: 500, Value: 0.1}}
	st.History = []JobRecord{{ID: "90", Hints: []string{"cuda_oom"}}}
	in := input(st)
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Ckpt.Newest = 2000
	in.Log.Summary = &trainer.LogSummary{Core: []trainer.Point{{Step: 2000, Value: 0.2}}, Hints: []string{"time_limit"}, ResumedFrom: 1000}
	before := st.Clone()
	a, b := Decide(in), Decide(in)
	if !reflect.DeepEqual(in.State, before) {
		t.Errorf("Decide changed its input state")
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Decide gave two different plans for one input")
	}
}

func TestDecideCheckpointEvents(t *testing.T) {
	in := input(running())
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Ckpt.Newest, in.Ckpt.NewestValBPB = 1500, fp(0.9)
	in.Ckpt.Incomplete = []IncompleteStep{{Step: 2000, Reason: "model_002000.pt: truncated"}}
	p := Decide(in)
	if !hasEvent(p, EventCheckpointComplete) || !hasEvent(p, EventCheckpointIncomplete) || p.Next.NewestStep != 1500 {
		t.Fatalf("events %v newest %d", eventNames(p), p.Next.NewestStep)
	}
	again := input(p.Next)
	again.Slurm.Job = in.Slurm.Job
	again.Ckpt = in.Ckpt
	if p2 := Decide(again); len(p2.Events) != 0 {
		t.Errorf("events %v on an unchanged pass; want none", eventNames(p2))
	}
}

func TestDecideIncompleteStepsAggregated(t *testing.T) {
	in := input(running())
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	for step := 1001; step <= 34000; step++ {
		in.Ckpt.Incomplete = append(in.Ckpt.Incomplete, IncompleteStep{Step: step, Reason: "no optimizer shard"})
	}
	p := Decide(in)
	var got []Event
	for _, e := range p.Events {
		if e.Name == EventCheckpointIncomplete {
			got = append(got, e)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d checkpoint_incomplete events for 33,000 torn steps; want 1", len(got))
	}
	f := got[0].Fields
	if f[FieldStep] != 34000 || f[FieldCount] != 33000 || !slices.Equal(f[FieldSteps].([]int), []int{34000, 33999, 33998, 33997, 33996}) {
		t.Errorf("fields %v; want step 34000, count 33000, the newest five steps", f)
	}
	if p.Next.ReportedIncomplete != 34000 {
		t.Errorf("reported up to %d; want 34000", p.Next.ReportedIncomplete)
	}

	in.State = p.Next
	in.Ckpt.Incomplete = append(in.Ckpt.Incomplete, IncompleteStep{Step: 34100, Reason: "truncated"})
	p = Decide(in)
	if len(p.Events) != 1 || p.Events[0].Fields[FieldCount] != 1 || p.Events[0].Fields[FieldStep] != 34100 {
		t.Errorf("events %v; want one checkpoint_incomplete for the one new torn step", p.Events)
	}
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0.5, time.Minute},
		{2, 0.5, 2 * time.Minute},
		{3, 0.5, 4 * time.Minute},
		{1, 0, 48 * time.Second},
		{1, 0.999999999, 72 * time.Second},
		{6, 0.5, 30 * time.Minute}, // 32m capped
		{100, 0.5, 30 * time.Minute},
		{0, 0.5, time.Minute},
	}
	for _, tt := range tests {
		got := BackoffDelay(time.Minute, 30*time.Minute, tt.n, tt.r).Round(time.Second)
		if got != tt.want {
			t.Errorf("backoffDelay(1m, 30m, %d, %v) = %s; want %s", tt.n, tt.r, got, tt.want)
		}
	}
}

func TestResume(t *testing.T) {
	spec := input(running()).Spec
	stopped := running()
	stopped.Phase, stopped.Reason = PhaseStopped, ReasonCrashLoop
	stopped.Job.State, stopped.Job.Handled = "FAILED", true
	stopped.FailuresWithoutProgress = 2
	step := 500
	tests := []struct {
		name    string
		st      RunState
		req     Request
		wantErr bool
	}{
		{"stopped run resumes", stopped, Request{Run: "d20"}, false},
		{"live job refused", running(), Request{Run: "d20"}, true},
		{"live job forced", running(), Request{Run: "d20", Force: true}, false},
		{"budget spent refused", func() RunState { s := stopped.Clone(); s.Attempts = 50; return s }(), Request{Run: "d20"}, true},
		{"done with targets met refused", func() RunState {
			s := stopped.Clone()
			s.Phase, s.NewestStep = PhaseDone, 1000
			s.ValBPB = []trainer.Point{{Step: 1000, Value: 0.7}}
			s.Core = []trainer.Point{{Step: 1000, Value: 0.3}}
			return s
		}(), Request{Run: "d20"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, ev, err := ResumeState(tt.st, spec, tt.req, t0)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v; want error %v", err, tt.wantErr)
			}
			if err == nil && (next.Phase != PhaseBackoff || next.FailuresWithoutProgress != 0 || ev.Name != EventOperatorResume) {
				t.Errorf("next phase %s failures %d event %s", next.Phase, next.FailuresWithoutProgress, ev.Name)
			}
		})
	}
	t.Run("the next pass submits from the requested step", func(t *testing.T) {
		next, _, err := ResumeState(stopped, spec, Request{Run: "d20", Step: &step}, t0)
		if err != nil {
			t.Fatal(err)
		}
		in := input(next)
		in.Ckpt.Newest = 1000
		p := Decide(in)
		sub, ok := p.Submission()
		if !ok || sub.FromStep != 500 || p.Next.ResumeOverride != nil {
			t.Errorf("submission %+v (%v), override %v; want from 500 and the override used up", sub, ok, p.Next.ResumeOverride)
		}
	})
	t.Run("forced resume of a job that is live after all follows it", func(t *testing.T) {
		next, _, _ := ResumeState(running(), spec, Request{Run: "d20", Force: true}, t0)
		in := input(next)
		in.Slurm.Queue = []slurm.QueueEntry{queued("100", "RUNNING", "nsv:d20:1:aa")}
		p := Decide(in)
		if _, ok := p.Submission(); ok || p.Next.Job.Handled || p.Next.Phase != PhaseRunning {
			t.Errorf("phase %s handled %v actions %v; want the live job followed, nothing submitted", p.Next.Phase, p.Next.Job.Handled, p.Actions)
		}
	})
}

func TestDecidePoisonedCheckpointFallback(t *testing.T) {
	written := t0.Add(-20 * time.Hour)
	st := running()
	st.FailuresWithoutProgress = 1
	st.History = []JobRecord{{ID: "90", Attempt: 1, ResumeStep: 1000, Handled: true, State: "FAILED", NewestStepAtEnd: 1000, Outcome: ReasonAppFailure}}
	st.Job.Attempt = 2
	in := input(st)
	in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
	in.Ckpt.Complete = []CompleteStep{{Step: 500, ModTime: written}, {Step: 1000, ModTime: written}}
	p := Decide(in)
	if !hasEvent(p, EventCheckpointSuspect) || p.Next.Phase == PhaseStopped {
		t.Fatalf("phase %s events %v; want step 1000 suspect and another attempt", p.Next.Phase, eventNames(p))
	}
	if len(p.Next.Suspect) != 1 || p.Next.Suspect[0].Step != 1000 {
		t.Fatalf("suspect %+v; want step 1000", p.Next.Suspect)
	}
	later := input(p.Next)
	later.Now = p.Next.BackoffUntil.Add(time.Second)
	later.Ckpt = in.Ckpt
	p2 := Decide(later)
	if sub, ok := p2.Submission(); !ok || sub.FromStep != 500 {
		t.Fatalf("submission %+v (%v); want a resume from step 500", sub, ok)
	}

	t.Run("a rewritten suspect step is usable again", func(t *testing.T) {
		in := input(p.Next)
		in.Now = p.Next.BackoffUntil.Add(time.Second)
		in.Ckpt.Complete = []CompleteStep{{Step: 500, ModTime: written}, {Step: 1000, ModTime: t0}}
		if sub, ok := Decide(in).Submission(); !ok || sub.FromStep != 1000 {
			t.Errorf("submission %+v (%v); want from the rewritten step 1000", sub, ok)
		}
	})
	t.Run("no older step: crash loop as before", func(t *testing.T) {
		in := input(st)
		in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
		in.Ckpt.Complete = []CompleteStep{{Step: 1000, ModTime: written}}
		p := Decide(in)
		if p.Next.Phase != PhaseStopped || p.Next.Reason != ReasonCrashLoop || len(p.Next.Suspect) != 0 {
			t.Errorf("phase %s reason %s suspect %v; want crash loop, nothing suspect", p.Next.Phase, p.Next.Reason, p.Next.Suspect)
		}
	})
}

func TestDecideStallAlarm(t *testing.T) {
	st := running()
	sawSaves(&st, t0.Add(-4*time.Hour), time.Hour)
	in := input(st)
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	p := Decide(in)
	if !hasEvent(p, EventRunStalled) {
		t.Fatalf("events %v; want %s after 4h without a checkpoint at a 1h interval", eventNames(p), EventRunStalled)
	}
	again := input(p.Next)
	again.Slurm.Job = in.Slurm.Job
	if hasEvent(Decide(again), EventRunStalled) {
		t.Errorf("stall reported twice for one job")
	}
	fresh := running()
	sawSaves(&fresh, t0.Add(-90*time.Minute), time.Hour)
	in = input(fresh)
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	if hasEvent(Decide(in), EventRunStalled) {
		t.Errorf("stall reported after 1h30m at a 1h interval; the factor is %d", DefaultStallAfterIntervals)
	}
}

func TestDecideStorageLow(t *testing.T) {
	in := input(running())
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Ckpt.NewestBytes, in.Ckpt.FreeBytes = 10<<30, 12<<30
	p := Decide(in)
	if !hasEvent(p, EventStorageLow) || !p.Next.StorageLow {
		t.Fatalf("events %v; want %s with 12 GiB free for 10 GiB checkpoints", eventNames(p), EventStorageLow)
	}
	again := input(p.Next)
	again.Slurm.Job, again.Ckpt = in.Slurm.Job, in.Ckpt
	if hasEvent(Decide(again), EventStorageLow) {
		t.Errorf("storage_low logged twice for one episode")
	}
	again.Ckpt.FreeBytes = 100 << 30
	if p := Decide(again); p.Next.StorageLow {
		t.Errorf("still low with 100 GiB free")
	}
}

// storage_low says when the quota, not the filesystem, was the bound.
func TestDecideStorageLowFromQuota(t *testing.T) {
	in := input(running())
	in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
	in.Ckpt.NewestBytes, in.Ckpt.FreeBytes, in.Ckpt.FreeFrom = 10<<30, 1<<30, FreeFromQuota
	for _, e := range Decide(in).Events {
		if e.Name == EventStorageLow {
			if got := e.Fields["free_from"]; got != FreeFromQuota {
				t.Errorf("free_from = %v, want %q", got, FreeFromQuota)
			}
			return
		}
	}
	t.Fatalf("no %s with 1 GiB left under the quota for 10 GiB checkpoints", EventStorageLow)
}
