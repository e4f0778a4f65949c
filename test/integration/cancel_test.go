package integration

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// The user scancels the run's job: that is the user's decision, so the run
// stops and nothing is resubmitted. The test runs as the daemon's user, so
// sacct says "CANCELLED by <that uid>".
func TestUserScancelStopsRun(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "scancel", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=5"},
		ValBPB:     0.75,
		Core:       0.22,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "1000",
			"SIMTRAIN_STEP_TIME":      "0.5",
			"SIMTRAIN_SAVE_EVERY":     "100",
		},
	})
	d := s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job := first.str("new_job_id")
	s.waitQueued(job, 3*time.Minute, "RUNNING")
	s.waitLog(job, "step 00001/", 30*time.Second)
	if _, err := slurmlab.Cmd("scancel", job); err != nil {
		t.Fatalf("%v", err)
	}
	s.logf("scancel %s", job)

	stop := s.waitFor("run_stopped", nil, time.Minute)
	if got := stop.str("reason"); got != "cancelled_by_user" {
		t.Errorf("run_stopped reason = %q, want cancelled_by_user", got)
	}
	if got := stop.str("job_id"); got != job {
		t.Errorf("run_stopped job_id = %q, want %s", got, job)
	}
	if code := s.waitExit(d, 30*time.Second); code != 1 {
		t.Errorf("daemon exit code = %d, want 1 (--exit-when-done, the run stopped short of its targets)", code)
	}
	s.assertStatus("stopped", "cancelled_by_user", 1)
	if n := len(s.submitted()); n != 1 {
		t.Errorf("job_resubmitted events = %d, want 1 (no resubmission after a user's scancel)", n)
	}
	s.waitGone(job, time.Minute)
	s.assertQueueHoldsAtMost()
	jobs := s.assertJobsAccounted(1)
	want := "CANCELLED by " + strconv.Itoa(os.Getuid())
	if j, ok := jobs[job]; ok && j.State != want {
		t.Errorf("sacct state of job %s = %q, want %q", job, j.State, want)
	}
}
