package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The first job hangs right after saving step 300, as a job whose NCCL
// collective never returns: the process lives, its log and checkpoints stop
// moving. With on_stall: cancel and stall_after_intervals: 2 the daemon
// cancels it and resubmits from step 300; from the hang to the new job the
// reaction must fit in three save intervals. The second job reaches the
// targets at step 400.
func TestStalledJobIsCancelledAndResubmitted(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "stall", runOptions{
		Start:   "submit",
		ValBPB:  0.75,
		Core:    0.22,
		RunKeys: map[string]string{"on_stall": "cancel"},
		Policy: map[string]string{
			"backoff": "1s", "max_backoff": "2s", "retry_after_progress": "0s", "stall_after_intervals": "2",
		},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":    "500",
			"SIMTRAIN_STEP_TIME":         "0.1",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "200",
			"SIMTRAIN_HANG_AT_STEP":      "300",
			"SIMTRAIN_HANG_ONCE_FILE":    "{dir}/hung-once",
		},
	})
	d := s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	stall := s.waitFor("run_stalled", field("job_id", job1), 6*time.Minute)
	// The hang follows save 300. Once the learned wait applies, the stall
	// can be reported before step 300's files have settled, while the
	// daemon still counts 200 as the newest complete step; the job's end
	// then rescans with no settle time, so the resubmission (below) must
	// resume from 300 either way.
	if got := stall.step("newest_step"); got != 300 && got != 200 {
		t.Errorf("run_stalled newest_step = %d, want 300, or 200 while step 300 settles (the hang follows save 300)", got)
	}
	if got := stall.str("on_stall"); got != "cancel" {
		t.Errorf("run_stalled on_stall = %q, want cancel", got)
	}
	s.waitFor("job_cancelled", both(field("job_id", job1), field("reason", "stall_cancel")), 30*time.Second)
	resub := s.waitFor("job_resubmitted", field("job_id", job1), 2*time.Minute)
	if got := resub.step("resume_step"); got != 300 {
		t.Errorf("resubmission after the stall: resume_step = %d, want 300", got)
	}
	if got := resub.str("reason"); got != "stalled" {
		t.Errorf("resubmission after the stall: reason = %q, want stalled", got)
	}
	job2 := resub.str("new_job_id")
	s.waitTargets(job2, 400, 0.75, 0.22)
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		t.Errorf("daemon exit code = %d, want 0 (--exit-when-done, every run done)", code)
	}
	s.assertStatus("done", "target_reached", 2)
	s.waitLog(job2, "Resuming optimization from step 300", 30*time.Second)
	jobs := s.assertJobsAccounted(2)
	if j, ok := jobs[job1]; ok && !strings.HasPrefix(j.State, "CANCELLED by ") {
		t.Errorf("sacct state of job %s = %q, want CANCELLED by <uid> (the daemon's scancel)", job1, j.State)
	}
	if n := len(s.events.matching("run_stopped", nil)); n != 0 {
		t.Errorf("run_stopped logged %d times: the daemon's own scancel is not the user's", n)
	}

	// The figure: from the hang (the end of save 300) to the resubmission,
	// in save intervals measured on the checkpoint files themselves.
	saved200, saved300 := s.savedAt(200), s.savedAt(300)
	interval := saved300.Sub(saved200)
	if interval <= 0 {
		t.Fatalf("save interval from the files = %v", interval)
	}
	took := resub.Time.Sub(saved300)
	if since, err := time.Parse(time.RFC3339Nano, stall.str("since")); err != nil || since.Before(saved300.Add(-time.Second)) {
		t.Errorf("run_stalled since = %q (%v), want the job's last activity, not before save 300 ended at %s",
			stall.str("since"), err, saved300.Format(time.RFC3339Nano))
	}
	figure := took.Seconds() / interval.Seconds()
	t.Logf("stall_resubmit_intervals=%.2f (save interval %.1fs, save 300 ended %s, stall reported %s, resubmitted %s: %.1fs after the hang)",
		figure, interval.Seconds(), saved300.Format("15:04:05.000"), stall.Time.Format("15:04:05.000"),
		resub.Time.Format("15:04:05.000"), took.Seconds())
	if figure > 3 {
		t.Errorf("the hung job was resubmitted %.2f save intervals after the hang, want at most 3", figure)
	}
}

// savedAt is when the scenario's checkpoint step was last written: the
// newest modification time of its files.
func (s *scenario) savedAt(step int) time.Time {
	s.t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.ckptDir, "*_"+padStep(step)+"*"))
	var newest time.Time
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	if newest.IsZero() {
		s.t.Fatalf("no files of step %d in %s", step, s.ckptDir)
	}
	return newest
}

func padStep(step int) string { return fmt.Sprintf("%06d", step) }
