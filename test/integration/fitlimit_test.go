package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// time_limit: fit on the real cluster. The user's limit is 6 minutes; the
// first job saves every ~125 s (steps 100 and 200) and crashes at step
// 201, a step after its save of 200: before the daemon, which sees step 200
// complete once it has settled (10 s), would cancel it there as the last
// save that fits (lastsave_test.go). Two saves fit in 6 minutes, a third
// does not, so the second job is given a limit that ends just after its
// second save: 2 intervals + the restart + a 30 s margin, in whole
// minutes, 5 minutes. sacct's Timelimit of the two jobs is the proof.
func TestTimeLimitFitShortensTheResubmittedJob(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "fit", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=6"},
		RunKeys:    map[string]string{"time_limit": "fit"},
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s", "retry_after_progress": "0s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":  "500",
			"SIMTRAIN_STEP_TIME":       "1.25",
			"SIMTRAIN_SAVE_EVERY":      "100",
			"SIMTRAIN_EVAL_EVERY":      "100",
			"SIMTRAIN_CRASH_AT_STEP":   "201",
			"SIMTRAIN_CRASH_CODE":      "1",
			"SIMTRAIN_CRASH_ONCE_FILE": "{dir}/crashed-once",
		},
	})
	s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	if got := first.str("time_limit"); got != "" {
		t.Errorf("first job: time_limit = %q, want none (nothing measured yet: the user's limit)", got)
	}
	// Two saves of ~125 s and the crash take about 4.5 minutes, after
	// however long the shared cluster keeps the job pending.
	s.waitFor("job_state_changed", both(field("job_id", job1), field("state", "FAILED")), 8*time.Minute)
	resub := s.waitResubmission(job1, "FAILED", 200)
	job2 := resub.str("new_job_id")
	intent := s.waitFor("submit_intent", field("attempt", "2"), time.Second)
	s.logf("fit evidence: %s", intent)
	if got := resub.str("time_limit"); got != "5m0s" {
		t.Errorf("second job: time_limit = %q, want 5m0s", got)
	}
	limit1, limit2 := sacctTimelimit(t, job1), sacctTimelimit(t, job2)
	t.Logf("sacct Timelimit: job %s (the user's --time=6) %s, job %s (fitted) %s; save_interval=%s restart_overhead=%s",
		job1, limit1, job2, limit2, intent.str("save_interval"), intent.str("restart_overhead"))
	if limit1 != "00:06:00" {
		t.Errorf("sacct Timelimit of job %s = %q, want 00:06:00", job1, limit1)
	}
	if limit2 != "00:05:00" {
		t.Errorf("sacct Timelimit of job %s = %q, want 00:05:00 (two saves of ~125 s, the restart and a margin)", job2, limit2)
	}
}

// sacctTimelimit is the Timelimit sacct shows for a job, waiting for it:
// right after sbatch, sacct has no row for a second or two, and on a
// loaded node it can then show, for several seconds more, a row whose
// Timelimit is empty, even once the job has started or ended. Taking that
// empty field for the answer made this test fail under load.
func sacctTimelimit(t *testing.T, id string) string {
	t.Helper()
	end := time.Now().Add(60 * time.Second)
	for {
		out, err := slurmlab.Retry("sacct", "-X", "-n", "--parsable2", "-j", id, "-o", "JobID,Timelimit")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Split(line, "|"); len(f) == 2 && f[0] == id && f[1] != "" {
				return f[1]
			}
		}
		if time.Now().After(end) {
			t.Fatalf("sacct has no Timelimit for job %s: %q", id, out)
		}
		time.Sleep(time.Second)
	}
}
