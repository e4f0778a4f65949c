package integration

import (
	"strings"
	"testing"
	"time"
)

// Two jobs crash at step 20, before the first checkpoint at 100: no
// progress twice in a row is a crash loop, and the run stops after exactly
// two jobs instead of burning its whole budget.
func TestCrashLoopStopsAfterTwoFailuresWithoutProgress(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "crash", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=2"},
		ValBPB:     0.75,
		Core:       0.22,
		Policy: map[string]string{
			"backoff": "1s", "max_backoff": "2s", "max_failures_without_progress": "2",
		},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "500",
			"SIMTRAIN_STEP_TIME":      "0.1",
			"SIMTRAIN_SAVE_EVERY":     "100",
			"SIMTRAIN_EVAL_EVERY":     "50",
			"SIMTRAIN_CRASH_AT_STEP":  "20",
			"SIMTRAIN_CRASH_CODE":     "3",
		},
	})
	d := s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	resub := s.waitResubmission(job1, "FAILED", -1)
	job2 := resub.str("new_job_id")

	stop := s.waitFor("run_stopped", nil, 3*time.Minute)
	if got := stop.str("reason"); got != "crash_loop" {
		t.Errorf("run_stopped reason = %q, want crash_loop", got)
	}
	if got := stop.str("job_id"); got != job2 {
		t.Errorf("run_stopped job_id = %q, want the second job %s", got, job2)
	}
	if got := stop.str("exit_code"); got != "3:0" {
		t.Errorf("run_stopped exit_code = %q, want 3:0 (the trainer's exit code)", got)
	}
	if hints := stop.str("hints"); !strings.Contains(hints, "python_traceback") {
		t.Errorf("run_stopped hints = %s, want python_traceback (the log ends in a traceback)", hints)
	}
	if code := s.waitExit(d, 30*time.Second); code != 1 {
		t.Errorf("daemon exit code = %d, want 1 (--exit-when-done, the run stopped short of its targets)", code)
	}
	s.assertStatus("stopped", "crash_loop", 2)
	s.assertHistoryMatchesLog()

	if n := len(s.submitted()); n != 2 {
		t.Errorf("job_resubmitted events = %d, want 2", n)
	}
	s.assertQueueHoldsAtMost()
	jobs := s.assertJobsAccounted(2)
	for _, id := range []string{job1, job2} {
		if j, ok := jobs[id]; ok && j.State != "FAILED" {
			t.Errorf("sacct state of job %s = %q, want FAILED", id, j.State)
		}
	}
	s.logReaction("reaction_crash_seconds", jobs[job1], resub, "; includes the 1s backoff")
}
