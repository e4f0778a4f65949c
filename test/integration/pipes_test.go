package integration

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// A '|' is plain text to Slurm, in a job name as in a directory. While the
// user has another job named x|y queued (held), and one whose name holds
// the 0x1F delimiter the daemon reads Slurm with, a run whose workdir holds
// a '|' is supervised as usual: its crashed job is resubmitted from the
// newest complete checkpoint, its tag is read back from the odd directory,
// Slurm is never taken for unavailable, and the one unreadable row is
// reported once, naming its job.
func TestPipesInNamesAndWorkdirDoNotStallTheRun(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "pipes", runOptions{
		Subdir:     "odd|dir",
		Start:      "submit",
		SbatchArgs: []string{"--time=2"},
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":  "500",
			"SIMTRAIN_STEP_TIME":       "0.1",
			"SIMTRAIN_SAVE_EVERY":      "100",
			"SIMTRAIN_EVAL_EVERY":      "50",
			"SIMTRAIN_CRASH_AT_STEP":   "150",
			"SIMTRAIN_CRASH_CODE":      "1",
			"SIMTRAIN_CRASH_ONCE_FILE": "{dir}/crashed-once",
		},
		ValBPB: 0.1, // never reached: the run goes on until the test ends
	})
	heldJob(t, "x|y")
	unreadable := heldJob(t, s.jobName+"-u\x1fv")
	s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	resub := s.waitResubmission(job1, "FAILED", 100)
	job2 := resub.str("new_job_id")
	s.waitFor("job_state_changed", both(field("job_id", job2), field("state", "RUNNING")), 2*time.Minute)

	if down := s.events.matching("slurm_unavailable", nil); len(down) > 0 {
		t.Errorf("slurm_unavailable logged %d times (first: %s); want Slurm read as available throughout", len(down), down[0])
	}
	skipped := s.events.matching("slurm_row_skipped", field("job_id", unreadable))
	if len(skipped) != 1 {
		t.Errorf("slurm_row_skipped for job %s logged %d times, want once", unreadable, len(skipped))
	}
	j, err := sacctByID(job1)
	if err != nil {
		t.Fatal(err)
	}
	if j.WorkDir != s.dir || !strings.HasPrefix(j.Comment, "nsv:"+s.jobName+":1:") {
		t.Errorf("sacct of job %s: workdir %q comment %q, want %q and the run's tag for attempt 1", job1, j.WorkDir, j.Comment, s.dir)
	}
	s.assertHistoryMatchesLog()
}

// heldJob submits a held job with the given name, so that it stays queued
// (PENDING, JobHeldUser) until the test ends and cancels it.
func heldJob(t *testing.T, name string) string {
	t.Helper()
	out, err := slurmlab.Cmd("sbatch", "--parsable", "--hold", "-J", name, "-o", os.DevNull, "--wrap", "true")
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	t.Cleanup(func() { _, _ = slurmlab.Cmd("scancel", id) })
	if state := queueStateSure(id); state != "PENDING" {
		t.Fatalf("held job %s (%q) is %q in squeue, want PENDING", id, name, state)
	}
	t.Logf("held job %s named %q", id, name)
	return id
}
