package integration

import (
	"strings"
	"testing"
	"time"
)

// The targets are reached at step 200 while the job trains on to 400
// (val_bpb(200) ≈ 0.77, CORE(200) ≈ 0.22 with tau = 400/4). The run is done
// at once; the job is left to finish on its own, not cancelled, and no job
// follows it.
func TestTargetsReachedWhileJobRunsLeavesJobAlone(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "target", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=3"},
		ValBPB:     0.77,
		Core:       0.21,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":    "400",
			"SIMTRAIN_STEP_TIME":         "0.15",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "100",
		},
	})
	d := s.start()
	sub := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job := sub.str("new_job_id")

	done := s.waitFor("run_target_reached", nil, 3*time.Minute)
	if got := done.step("newest_step"); got < 200 || got >= 400 {
		t.Errorf("run_target_reached newest_step = %d, want 200 or 300 (before the job's end at 400)", got)
	}
	if state := queueStateSure(job); state != "RUNNING" {
		t.Errorf("job %s is %q in squeue when the targets are reached, want RUNNING (the test needs it mid-run)", job, state)
	}
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		t.Errorf("daemon exit code = %d, want 0", code)
	}
	s.assertStatus("done", "target_reached", 1)
	s.waitGone(job, 2*time.Minute)
	s.assertQueueHoldsAtMost()
	jobs := s.assertJobsAccounted(1)
	if j, ok := jobs[job]; ok && j.State != "COMPLETED" {
		t.Errorf("sacct state of job %s = %q, want COMPLETED (left to finish, not cancelled)", job, j.State)
	}
	if log := s.trainLog(job); !strings.Contains(log, "Total training time:") {
		t.Errorf("slurm-%s.out has no \"Total training time:\": the job did not train to its end", job)
	}
}
