package integration

import (
	"testing"
	"time"
)

// The daemon is killed with SIGKILL right after it submitted a job, while
// the job is pending or running. Restarted with the same config and state
// directory, it must carry on with that same job, never submit a second
// one, and take the run to its targets (val_bpb(100) ≈ 0.77 and
// CORE(100) ≈ 0.22 with tau = 200/4).
func TestDaemonKilledAndRestartedKeepsItsJob(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "restart", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=3"},
		ValBPB:     0.8,
		Core:       0.2,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":    "200",
			"SIMTRAIN_STEP_TIME":         "0.1",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "100",
		},
	})
	first := s.start()
	sub := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job := sub.str("new_job_id")
	first.kill9(t)
	state := queueStateSure(job)
	s.logf("daemon 1 killed; job %s is %q in squeue", job, state)
	if state == "" || state == "?" {
		t.Fatalf("job %s is not in squeue right after the kill (%q); the scenario needs it live", job, state)
	}

	second := s.start()
	done := s.waitFor("run_target_reached", func(e event) bool { return e.Daemon == second.n }, 3*time.Minute)
	if got := done.str("job_id"); got != job {
		t.Errorf("run_target_reached job_id = %q, want the job submitted before the kill, %s", got, job)
	}
	if code := s.waitExit(second, 30*time.Second); code != 0 {
		t.Errorf("restarted daemon exit code = %d, want 0", code)
	}
	s.assertStatus("done", "target_reached", 1)
	for _, e := range s.events.matching("", func(e event) bool { return e.Daemon == second.n }) {
		switch e.Name {
		case "job_resubmitted", "submit_intent", "resubmit_failed":
			t.Errorf("restarted daemon: %s; it must follow job %s, not submit", e, job)
		}
	}
	s.waitGone(job, 2*time.Minute)
	s.assertQueueHoldsAtMost()
	jobs := s.assertJobsAccounted(1)
	if j, ok := jobs[job]; ok && j.State != "COMPLETED" {
		t.Errorf("sacct state of job %s = %q, want COMPLETED", job, j.State)
	}
}
