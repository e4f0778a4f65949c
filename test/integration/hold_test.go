package integration

import (
	"os"
	"testing"
	"time"
)

// The checkpoint directory is moved away (an unmounted filesystem, a
// user's slip) while the job hangs and then hits its time limit. Starting
// over from scratch would throw the run away: the daemon must submit
// nothing, say so once, show the hold in status, and once the directory is
// back resume from step 100 by itself. The second job trains to the end.
func TestMissingCheckpointDirHoldsUntilBack(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "hold", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=1"},
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "300",
			"SIMTRAIN_STEP_TIME":      "0.1",
			"SIMTRAIN_SAVE_EVERY":     "100",
			"SIMTRAIN_EVAL_EVERY":     "50",
			"SIMTRAIN_HANG_AT_STEP":   "150",
			"SIMTRAIN_HANG_ONCE_FILE": "{dir}/hung-once",
		},
	})
	d := s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	s.waitFor("checkpoint_complete", field("newest_step", "100"), 3*time.Minute)
	away := s.ckptDir + ".away"
	if err := os.Rename(s.ckptDir, away); err != nil {
		t.Fatal(err)
	}
	s.logf("moved the checkpoint directory away")

	ended := s.waitFor("job_state_changed", both(field("job_id", job1), field("state", "TIMEOUT")), 3*time.Minute)
	// Several passes (poll_interval 2s) after the end: still nothing.
	time.Sleep(10 * time.Second)
	if ids := s.submitted(); len(ids) != 1 {
		t.Fatalf("jobs submitted while the directory was missing: %v, want only the first", ids[1:])
	}
	missing := s.events.matching("checkpoint_dir_missing", nil)
	if len(missing) != 1 {
		t.Fatalf("checkpoint_dir_missing logged %d times, want once for the episode", len(missing))
	}
	if got := missing[0].step("known_step"); got != 100 {
		t.Errorf("checkpoint_dir_missing known_step = %d, want 100", got)
	}
	s.assertStatus("held", "checkpoint_dir_missing", 1)
	s.assertQueueHoldsAtMost()

	if err := os.Rename(away, s.ckptDir); err != nil {
		t.Fatal(err)
	}
	s.logf("moved the checkpoint directory back")
	resub := s.waitFor("job_resubmitted", field("job_id", job1), time.Minute)
	if got := resub.step("resume_step"); got != 100 {
		t.Errorf("resubmission after the directory came back: resume_step = %d, want 100", got)
	}
	if !resub.Time.After(ended.Time.Add(10 * time.Second)) {
		t.Errorf("resubmitted at %s, within 10 s of the job's end at %s: before the directory was back", resub.Time, ended.Time)
	}
	job2 := resub.str("new_job_id")
	s.waitLog(job2, "Resuming optimization from step 100", time.Minute)
	if code := s.waitExit(d, 3*time.Minute); code != 0 {
		t.Errorf("daemon exit code = %d, want 0 (--exit-when-done, the run trained to its end)", code)
	}
	s.assertStatus("done", "training_finished", 2)
	s.assertHistoryMatchesLog()
	s.assertQueueHoldsAtMost()
	s.assertJobsAccounted(2)
}
