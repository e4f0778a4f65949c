package run

import (
	"errors"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// sbatch's answer for a queued successor never touches the run's own job
// or phase: the job is still running.
func TestAfterSuccessorSbatch(t *testing.T) {
	spec := RunSpec{Name: "d20", JobName: "d20-ckpt",
		Policy: Policy{Backoff: time.Minute, MaxBackoff: 30 * time.Minute}}
	// sbatch's words for a lost reply and for a refusal.
	timedOut := &slurm.CommandError{Cmd: "sbatch", ExitCode: 1,
		Stderr: "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation", Err: errors.New("exit status 1")}
	refused := &slurm.CommandError{Cmd: "sbatch", ExitCode: 1,
		Stderr: "sbatch: error: Batch job submission failed: Invalid partition name specified", Err: errors.New("exit status 1")}
	sub := Submit{Attempt: 2, FromStep: UnknownStep, Tag: "nsv:d20:2:qbeef", After: "100"}
	before := running()
	before.Attempts = 2
	before.Intent = &Intent{Tag: sub.Tag, Attempt: 2, FromStep: UnknownStep, At: t0, After: "100"}
	tests := []struct {
		name       string
		jobID      string
		err        error
		successor  string
		intentKept bool
		attempts   int
		backoff    bool
		event      string
	}{
		{"created", "101", nil, "101", false, 2, false, EventJobQueued},
		{"reply lost, the job may exist", "", timedOut, "", true, 2, false, EventResubmitFailed},
		{"refused", "", refused, "", false, 1, true, EventResubmitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, events := AfterSbatch(before.Clone(), spec, sub, slurm.JobRef{ID: tt.jobID}, tt.err, t0, 0.5)
			if st.Job.ID != "100" || st.Phase != PhaseRunning || st.Job.Handled {
				t.Errorf("run's job %s phase %s handled %v; want job 100 running, untouched", st.Job.ID, st.Phase, st.Job.Handled)
			}
			got := ""
			if st.Successor != nil {
				got = st.Successor.ID
			}
			if got != tt.successor {
				t.Errorf("successor = %q, want %q", got, tt.successor)
			}
			if (st.Intent != nil) != tt.intentKept {
				t.Errorf("intent kept = %v, want %v", st.Intent != nil, tt.intentKept)
			}
			if st.Attempts != tt.attempts {
				t.Errorf("attempts = %d, want %d", st.Attempts, tt.attempts)
			}
			if st.BackoffUntil.After(t0) != tt.backoff {
				t.Errorf("backoff until %v, want a backoff: %v", st.BackoffUntil, tt.backoff)
			}
			if len(events) != 1 || events[0].Name != tt.event {
				t.Errorf("events = %v, want one %s", events, tt.event)
			}
		})
	}
}

// TestSbatchDifferentRefusalsStartOver: only identical refusals count.
func TestSbatchDifferentRefusalsStartOver(t *testing.T) {
	refused := &slurm.CommandError{Cmd: "sbatch", ExitCode: 1,
		Stderr: "sbatch: error: Batch job submission failed: Invalid partition name specified", Err: errors.New("exit status 1")}
	st := RunState{Rejections: 2, Rejection: "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"}
	st, ev := noteRejection(st, "d20", refused, nil)
	if st.Rejections != 1 || st.Rejection != refused.Stderr || st.Phase == PhaseStopped || len(ev) != 0 {
		t.Errorf("got rejections %d %q phase %s events %v; want a new count of 1", st.Rejections, st.Rejection, st.Phase, ev)
	}
}
