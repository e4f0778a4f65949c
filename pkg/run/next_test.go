package run

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func TestNextAction(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	spec := RunSpec{Name: "d20", Targets: trainer.Targets{ValBPB: f(0.75)}, Policy: Policy{MaxAttempts: 5}}
	reached := RunState{Phase: PhaseDone, Reason: ReasonTargetReached, NewestStep: 2000,
		ValBPB: []trainer.Point{{Step: 2000, Value: 0.74}}}
	tests := []struct {
		name   string
		st     RunState
		edit   func(*RunSpec)
		want   string
		wantAt time.Time
	}{
		{"done", reached, nil, "nothing: targets reached", time.Time{}},
		{"done, target raised since", reached, func(s *RunSpec) { s.Targets.ValBPB = f(0.70) },
			"nothing until resumed (targets_raised): nanosupervisord resume d20", time.Time{}},
		{"done, a CORE target added since", reached, func(s *RunSpec) { s.Targets.CoreMetric = f(0.25) },
			"nothing until resumed (targets_raised): nanosupervisord resume d20", time.Time{}},
		{"done, its job still running", func() RunState { s := reached.Clone(); s.Job = &JobRecord{ID: "7", State: "RUNNING"}; return s }(), nil,
			"nothing: targets reached; job 7 runs to its end (on_done: finish)", time.Time{}},
		{"done, its job being cancelled", func() RunState { s := reached.Clone(); s.Job = &JobRecord{ID: "7", State: "RUNNING"}; return s }(),
			func(s *RunSpec) { s.CancelOnDone = true }, "nothing: targets reached; cancelling job 7 (on_done: cancel)", time.Time{}},
		{"done, its job ended", func() RunState {
			s := reached.Clone()
			s.Job = &JobRecord{ID: "7", State: "COMPLETED", Handled: true}
			return s
		}(), nil,
			"nothing: targets reached", time.Time{}},
		{"stalled, on_stall: alert", RunState{Phase: PhaseRunning, Reason: ReasonJobStalled, Job: &JobRecord{ID: "7", State: "RUNNING"}}, nil,
			"wait: job 7 has stalled (on_stall: alert)", time.Time{}},
		{"stalled, on_stall: cancel", RunState{Phase: PhaseRunning, Reason: ReasonJobStalled, Job: &JobRecord{ID: "7", State: "RUNNING"}},
			func(s *RunSpec) { s.CancelOnStall = true }, "cancel job 7, stalled, and resubmit (on_stall: cancel)", time.Time{}},
		{"cancelled after its last save that fits", RunState{Phase: PhaseRunning, Reason: ReasonLastSave, Job: &JobRecord{ID: "7", State: "RUNNING"}},
			func(s *RunSpec) { s.FitTimeLimit = true }, "cancel job 7 after its last save that fits, and resubmit (time_limit: fit)", time.Time{}},
		{"stopped", RunState{Phase: PhaseStopped, Reason: ReasonCrashLoop}, nil,
			"nothing until resumed (crash_loop): nanosupervisord resume d20", time.Time{}},
		{"paused in the config", RunState{Phase: PhaseRunning}, func(s *RunSpec) { s.Paused = true }, "nothing: paused", time.Time{}},
		{"backoff pending", RunState{Phase: PhaseBackoff, Reason: ReasonBackoff, BackoffUntil: now.Add(90 * time.Second)}, nil,
			"resubmit in 1m30s", now.Add(90 * time.Second)},
		{"backoff over", RunState{Phase: PhaseBackoff, Reason: ReasonTimeout, BackoffUntil: now.Add(-time.Second)}, nil,
			"resubmit at the next pass", time.Time{}},
		{"checkpoint being written", RunState{Phase: PhaseBackoff, Reason: ReasonCheckpointSettling}, nil,
			"wait: a checkpoint is being written; then resubmit", time.Time{}},
		{"budget spent", RunState{Phase: PhaseBackoff, Reason: ReasonTimeout, Attempts: 5}, nil,
			"stop: the budget of 5 attempts is spent", time.Time{}},
		{"paused by the operator", RunState{Phase: PhaseRunning, Paused: true}, nil,
			"nothing: paused; to go on: nanosupervisord unpause d20", time.Time{}},
		{"paused both ways", RunState{Phase: PhasePaused, Paused: true}, func(s *RunSpec) { s.Paused = true }, "nothing: paused", time.Time{}},
		{"paused, but over", RunState{Phase: PhaseStopped, Reason: ReasonCancelledByUser, Paused: true}, nil,
			"nothing until resumed (cancelled_by_user): nanosupervisord resume d20", time.Time{}},
		{"pending for a reason that clears", RunState{Phase: PhaseRunning, Job: &JobRecord{ID: "7", PendingReason: "Priority"}}, nil,
			"wait for the job (pending: Priority)", time.Time{}},
		{"pending for a reason that does not clear", RunState{Phase: PhaseRunning, Job: &JobRecord{ID: "7", PendingReason: "JobHeldUser"}}, nil,
			"wait: job 7 pends (JobHeldUser) and will not start by itself", time.Time{}},
		{"running", RunState{Phase: PhaseRunning, Reason: ReasonJobLive}, nil, "wait for the job", time.Time{}},
		{"running, successor queued", RunState{Phase: PhaseRunning, Reason: ReasonJobLive, Job: &JobRecord{ID: "7"}, Successor: &JobRecord{ID: "8"}}, nil,
			"wait for the job; job 8 queued behind it", time.Time{}},
		{"held", RunState{Phase: PhaseHeld, Reason: ReasonCheckpointDirMissing}, nil,
			"hold (checkpoint_dir_missing): nothing is submitted until the checkpoints are back", time.Time{}},
		{"no checkpoint", RunState{Phase: PhaseWaiting, Reason: ReasonNoCheckpoint}, nil,
			"wait for a complete checkpoint (or start: submit)", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec
			if tt.edit != nil {
				tt.edit(&s)
			}
			got := NextAction(tt.st, s, now)
			if got.Text != tt.want || !got.At.Equal(tt.wantAt) {
				t.Errorf("NextAction = %q at %v; want %q at %v", got.Text, got.At, tt.want, tt.wantAt)
			}
		})
	}
}
