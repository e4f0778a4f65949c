package integration

import (
	"strings"
	"testing"
	"time"
)

// sbatch refuses the job (no such partition). The daemon must say so with
// sbatch's own words and back off; the same refusal a third time stops the
// run with sbatch_rejected, and nothing more is submitted.
func TestSbatchRejectedStopsAfterThreeRefusals(t *testing.T) {
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

	stop := s.waitFor("sbatch_rejected", nil, time.Minute)
	s.logf("stopped %.1fs after the first refusal", stop.Time.Sub(rejected.Time).Seconds())
	if msg := stop.str("error"); !strings.Contains(msg, "Invalid partition name specified") {
		t.Errorf("sbatch_rejected error = %q, want Slurm's words", msg)
	}
	if n := len(s.events.matching("resubmit_failed", nil)); n != 3 {
		t.Errorf("resubmit_failed events before the stop = %d, want 3", n)
	}
	stopped := s.waitFor("run_stopped", nil, 10*time.Second)
	if got := stopped.str("reason"); got != "sbatch_rejected" {
		t.Errorf("run_stopped reason = %q, want sbatch_rejected", got)
	}

	// The only run has stopped: --exit-when-done ends the daemon with 1
	// (every run ended, some short of their targets). Without it the
	// daemon would wait for the user's resume.
	if code := s.waitExit(d, 30*time.Second); code != 1 {
		t.Errorf("daemon exit code = %d, want 1 (--exit-when-done, the run stopped)", code)
	}
	if n := len(s.events.matching("resubmit_failed", nil)); n != 3 {
		t.Errorf("resubmit_failed events after the stop = %d, want still 3", n)
	}
	if n := len(s.submitted()); n != 0 {
		t.Errorf("job_resubmitted events = %d, want 0", n)
	}
	s.assertStatus("stopped", "sbatch_rejected", 0)
	s.assertQueueHoldsAtMost()
	s.assertJobsAccounted(0)
}
