package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// requeueScenario starts a long run and waits until the daemon has seen
// its first job running; it returns the job id.
func requeueScenario(t *testing.T, short string, requeue bool) (*scenario, string) {
	t.Helper()
	s := newScenario(t, short, runOptions{
		Start:   "submit",
		Requeue: requeue,
		Policy:  map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "100000",
			"SIMTRAIN_STEP_TIME":      "0.1",
			"SIMTRAIN_SAVE_EVERY":     "50",
		},
	})
	s.start()
	job := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	// A shared test cluster may be busy: the job can wait a while for a CPU.
	s.waitFor("job_state_changed", both(field("job_id", job), field("state", "RUNNING")), 5*time.Minute)
	return s, job
}

// By default the daemon submits with --no-requeue: Slurm refuses to requeue
// the job (here by hand; on a site, after a node failure or preemption),
// so a job can never restart with a stale resume step.
func TestNoRequeueByDefault(t *testing.T) {
	t.Parallel()
	s, job := requeueScenario(t, "norequeue", false)
	_, err := slurmlab.Cmd("scontrol", "requeue", job)
	if err == nil || !strings.Contains(err.Error(), "presently disabled") {
		t.Errorf("scontrol requeue %s: %v; want Slurm to refuse (the job was submitted with --no-requeue)", job, err)
	}
	if state := queueStateSure(job); state != "RUNNING" {
		t.Errorf("job %s after the refused requeue: squeue state %q, want RUNNING", job, state)
	}
	if n := len(s.events.matching("job_requeued", nil)); n != 0 {
		t.Errorf("job_requeued events = %d, want 0", n)
	}
}

// With requeue: true Slurm may requeue the job; the daemon then says so
// with job_requeued and the newest complete step, and goes on following the
// same job (no twin).
func TestRequeuedJobIsReported(t *testing.T) {
	t.Parallel()
	s, job := requeueScenario(t, "requeue", true)
	s.waitUntil("a complete checkpoint", 90*time.Second, func() bool { return s.ckptVerb().NewestComplete != nil })
	if _, err := slurmlab.Cmd("scontrol", "requeue", job); err != nil {
		t.Fatalf("%v", err)
	}
	ev := s.waitFor("job_requeued", field("job_id", job), 30*time.Second)
	if ev.step("newest_step") < 50 {
		t.Errorf("job_requeued newest_step = %d, want a complete step (>= 50)", ev.step("newest_step"))
	}
	time.Sleep(5 * time.Second)
	if n := len(s.submitted()); n != 1 {
		t.Errorf("job_resubmitted events = %d, want 1: the requeued job is still the run's", n)
	}
	if n := len(s.events.matching("job_requeued", nil)); n != 1 {
		t.Errorf("job_requeued events = %d, want 1", n)
	}
}
