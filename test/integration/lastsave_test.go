package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// time_limit: fit ends a job right after its last useful save on the real
// cluster. The job's limit is 2 minutes and it saves every ~24 s (100 steps
// of 0.24 s) after a restart of a second or two: its save of step 400 ends
// at about 98 s, and the next, at about 122 s, cannot end before the limit.
// The daemon sees step 400 complete once its files have settled (10 s),
// cancels the job at once instead of letting it train ~25 s more for
// nothing until the TIMEOUT, and resubmits from step 400 like after a
// TIMEOUT: no failure, no backoff. (Saves every 15-20 s would put the last
// one so close to the limit that the 10 s settle races Slurm's TIMEOUT.)
func TestFitEndsTheJobAfterItsLastSave(t *testing.T) {
	t.Parallel()
	const limit, stepTime, saveEvery = 2 * time.Minute, 240 * time.Millisecond, 100
	s := newScenario(t, "lastsave", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=2"},
		RunKeys:    map[string]string{"time_limit": "fit"},
		Policy:     map[string]string{"backoff": "1m", "max_backoff": "2m", "retry_after_progress": "1m"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "2000",
			"SIMTRAIN_STEP_TIME":      "0.24",
			"SIMTRAIN_SAVE_EVERY":     "100",
			"SIMTRAIN_EVAL_EVERY":     "100",
		},
	})
	s.start()

	job1 := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	// Up to two minutes of training, after however long the shared
	// cluster keeps the job pending.
	cancel := s.waitFor("job_cancelled", both(field("job_id", job1), field("reason", "ended_after_last_save")), 7*time.Minute)
	last := cancel.step("newest_step")
	if cancel.str("time_left") == "" || cancel.str("save_interval") == "" {
		t.Errorf("job_cancelled %s: want the evidence time_left and save_interval", cancel)
	}
	s.waitFor("job_state_changed", both(field("job_id", job1), func(e event) bool {
		return strings.HasPrefix(e.str("state"), "CANCELLED")
	}), time.Minute)
	resub := s.waitFor("job_resubmitted", field("job_id", job1), time.Minute)
	if got := resub.step("resume_step"); got != last {
		t.Errorf("resubmission after the cancel: resume_step = %d, want %d (the job's last save)", got, last)
	}
	if got := resub.str("reason"); got != "ended_after_last_save" {
		t.Errorf("resubmission after the cancel: reason = %q, want ended_after_last_save", got)
	}
	job2 := resub.str("new_job_id")
	s.waitLog(job2, "Resuming optimization from step "+strconv.Itoa(last), time.Minute)

	jobs := s.assertJobsAccounted(2)
	j1 := jobs[job1]
	if want := "CANCELLED by " + strconv.Itoa(os.Getuid()); j1.State != want {
		t.Errorf("sacct state of job %s = %q, want %q (the daemon's scancel, not TIMEOUT)", job1, j1.State, want)
	}
	if n := len(s.events.matching("run_backoff", nil)) + len(s.events.matching("run_stopped", nil)); n != 0 {
		t.Errorf("run_backoff/run_stopped logged %d times: the cancel is a TIMEOUT come early, not a failure", n)
	}

	// The job's last save, from the files: the next one, an interval
	// later, could not have ended before the limit (with the daemon's 5 s
	// margin), so the cancel was not a save early; and the job ended
	// before its limit, having trained after that save only for the settle
	// time and about a poll (2 s), far less than a TIMEOUT would have lost.
	saved, interval := s.savedAt(last), s.savedAt(last).Sub(s.savedAt(last-saveEvery))
	end := j1.Start.Add(limit)
	s.logf("job %s: start %s, limit end %s, last save %d at %s (interval %.1fs), ended %s; cancelled at %s",
		job1, j1.Start.Format("15:04:05"), end.Format("15:04:05"), last, saved.Format("15:04:05.000"),
		interval.Seconds(), j1.End.Format("15:04:05"), cancel.Time.Format("15:04:05.000"))
	if interval < 20*time.Second || interval > 30*time.Second {
		t.Errorf("save interval from the files = %v, want about %v", interval, saveEvery*stepTime)
	}
	if next := saved.Add(interval + 5*time.Second); !next.After(end) {
		t.Errorf("the save after step %d would have ended at %s, before the limit at %s: cancelled a save early",
			last, next.Format("15:04:05.000"), end.Format("15:04:05"))
	}
	if !j1.End.Before(end) {
		t.Errorf("job %s ended at %s, not before its limit at %s", job1, j1.End.Format("15:04:05"), end.Format("15:04:05"))
	}
	// sacct's End is whole seconds: one more of slack.
	if after := j1.End.Sub(saved); after > 10*time.Second+2*time.Second+5*time.Second {
		t.Errorf("job %s trained %v after its last save, want at most the settle time, a poll and a little", job1, after)
	}
	if got := lastLoggedStep(s.trainLog(job1)); got >= last+saveEvery {
		t.Errorf("job %s logged step %d, a whole save interval after step %d", job1, got, last)
	}
}
