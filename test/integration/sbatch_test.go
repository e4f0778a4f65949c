package integration

import (
	"strings"
	"testing"
	"time"
)

// sbatch refuses the job (no such partition). The daemon must say so with
// sbatch's own words, back off, try again later, and never crash or exit:
// the user can fix the config while it runs.
func TestSbatchRejectedBacksOffAndKeepsRunning(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "badpart", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--partition=nosuchpartition"},
		ValBPB:     0.75,
		Core:       0.22,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env:        map[string]string{"SIMTRAIN_NUM_ITERATIONS": "100"},
	})
	d := s.start()

	rejected := s.waitFor("resubmit_failed", nil, time.Minute)
	if got := rejected.str("reason"); got != "sbatch_failed" {
		t.Errorf("resubmit_failed reason = %q, want sbatch_failed", got)
	}
	if msg := rejected.str("error"); !strings.Contains(strings.ToLower(msg), "partition") {
		t.Errorf("resubmit_failed error = %q, want sbatch's message about the partition", msg)
	}
	if rejected.Level != "warn" && rejected.Level != "error" {
		t.Errorf("resubmit_failed level = %q, want warn or error", rejected.Level)
	}

	// A second attempt after the backoff, and the daemon still up after it.
	second := s.waitFor("resubmit_failed", after(rejected.Time), time.Minute)
	s.logf("second attempt %.1fs after the first", second.Time.Sub(rejected.Time).Seconds())
	time.Sleep(5 * time.Second)
	if !d.alive() {
		t.Fatalf("daemon exited (%s) after sbatch errors; it must keep running", d.describe())
	}
	if n := len(s.submitted()); n != 0 {
		t.Errorf("job_resubmitted events = %d, want 0", n)
	}
	if n := len(s.events.matching("run_stopped", nil)); n != 0 {
		t.Errorf("run_stopped events = %d, want 0: a rejected sbatch is not the run's failure", n)
	}
	s.assertQueueHoldsAtMost()
	s.assertJobsAccounted(0)
}
