package integration

import (
	"testing"
	"time"
)

// The demo's story on the real cluster. The first job hits its time limit
// while saving step 200, leaving a torn model_000200.pt under its final
// name: the daemon must resubmit from step 100, the newest complete
// checkpoint (not 200). The second job saves 200 and crashes at step 250:
// a failure with progress, resubmitted from 200. The third reaches the
// targets: val_bpb(400) ≈ 0.72 and CORE(400) ≈ 0.24 with the default curve
// (tau = 500/4), while CORE(200) ≈ 0.20 is short of 0.22.
func TestTimeoutMidSaveResumesFromNewestCompleteStep(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "timeout", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=1"},
		ValBPB:     0.75,
		Core:       0.22,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":       "500",
			"SIMTRAIN_STEP_TIME":            "0.1",
			"SIMTRAIN_SAVE_EVERY":           "100",
			"SIMTRAIN_EVAL_EVERY":           "50",
			"SIMTRAIN_CORE_METRIC_EVERY":    "200",
			"SIMTRAIN_HANG_IN_SAVE_AT_STEP": "200",
			"SIMTRAIN_HANG_ONCE_FILE":       "{dir}/hung-once",
			"SIMTRAIN_CRASH_AT_STEP":        "250",
			"SIMTRAIN_CRASH_CODE":           "1",
			"SIMTRAIN_CRASH_ONCE_FILE":      "{dir}/crashed-once",
		},
	})
	d := s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	watch := s.watchJob(job1)
	if got := first.step("resume_step"); got != -1 {
		t.Errorf("first submission: resume_step = %d, want -1 (fresh start)", got)
	}
	// The hang starts about 20 s into the job; the torn file is reported
	// once it has been still for the daemon's settle time.
	torn := s.waitFor("checkpoint_incomplete", field("step", "200"), 3*time.Minute)
	if got := torn.step("newest_step"); got != 100 {
		t.Errorf("checkpoint_incomplete step 200: newest_step = %d, want 100", got)
	}
	s.checkTornStep200()

	resub := s.waitResubmission(job1, "TIMEOUT", 100)
	job2 := resub.str("new_job_id")
	crash := s.waitResubmission(job2, "FAILED", 200)
	job3 := crash.str("new_job_id")
	s.waitTargets(job3, 400, 0.75, 0.22)
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		t.Errorf("daemon exit code = %d, want 0 (--exit-when-done, every run done)", code)
	}
	s.assertStatus("done", "target_reached", 3)
	s.assertHistoryMatchesLog()

	s.waitLog(job2, "Resuming optimization from step 100", 30*time.Second)
	s.waitLog(job3, "Resuming optimization from step 200", 30*time.Second)
	s.assertQueueHoldsAtMost(job3)
	jobs := s.assertJobsAccounted(3)
	for id, want := range map[string]string{job1: "TIMEOUT", job2: "FAILED"} {
		if j, ok := jobs[id]; ok && j.State != want {
			t.Errorf("sacct state of job %s = %q, want %s", id, j.State, want)
		}
	}
	s.logReaction("reaction_timeout_seconds", jobs[job1], resub, "")
	s.logReaction("reaction_crash_with_progress_seconds", jobs[job2], crash, "; includes the 1s backoff")
	watch.end()
	s.logTimeoutLag(watch, resub)
}

// waitResubmission waits for the job to end in the given state and to be
// resubmitted, and checks the step the next attempt resumes from.
func (s *scenario) waitResubmission(job, state string, resume int) event {
	s.t.Helper()
	s.waitFor("job_state_changed", both(field("job_id", job), field("state", state)), 3*time.Minute)
	resub := s.waitFor("job_resubmitted", field("job_id", job), time.Minute)
	if got := resub.step("resume_step"); got != resume {
		s.t.Errorf("resubmission after %s of job %s: resume_step = %d, want %d", state, job, got, resume)
	}
	return resub
}

// waitTargets waits for run_target_reached from the job and checks its
// evidence against the targets.
func (s *scenario) waitTargets(job string, minStep int, valBPB, core float64) {
	s.t.Helper()
	done := s.waitFor("run_target_reached", nil, 3*time.Minute)
	if got := done.str("job_id"); got != job {
		s.t.Errorf("run_target_reached job_id = %q, want %s", got, job)
	}
	if got := done.step("newest_step"); got < minStep {
		s.t.Errorf("run_target_reached: newest_step = %d, want >= %d", got, minStep)
	}
	if v, ok := done.num("val_bpb"); !ok || v > valBPB {
		s.t.Errorf("run_target_reached: val_bpb = %v (present %v), want <= %v", v, ok, valBPB)
	}
	if v, ok := done.num("core_metric"); !ok || v < core {
		s.t.Errorf("run_target_reached: core_metric = %v (present %v), want >= %v", v, ok, core)
	}
}

// logReaction logs the time from the job's end in sacct to the event.
func (s *scenario) logReaction(name string, job sacctJob, e event, note string) {
	s.t.Helper()
	if job.ID == "" {
		return
	}
	s.t.Logf("%s=%.1f (sacct End %s of job %s to %s at %s%s)", name, reaction(job.End, e),
		job.End.Format(slurmTime), job.ID, e.Name, e.Time.Format("15:04:05.000"), note)
}

// logTimeoutLag splits the TIMEOUT reaction into Slurm's lag and the
// daemon's, from what squeue and sacct said second by second.
func (s *scenario) logTimeoutLag(watch *jobWatch, resub event) {
	s.t.Helper()
	for _, e := range s.events.matching("slurm_unavailable", nil) {
		s.t.Logf("Slurm health during the scenario (explains a slow reaction): %s", e)
	}
	s.t.Logf("what squeue and sacct said about job %s:\n%s", watch.id, watch)
	if o, ok := watch.first(func(o jobObservation) bool { return o.Sacct == "TIMEOUT" }); ok {
		s.t.Logf("reaction_timeout_from_sacct_seconds=%.1f (sacct first showed TIMEOUT at %s)", resub.Time.Sub(o.At).Seconds(), o.At.Format("15:04:05.0"))
	}
	if o, ok := watch.first(func(o jobObservation) bool { return o.Queue == "" }); ok {
		s.t.Logf("reaction_timeout_from_squeue_seconds=%.1f (squeue dropped the job at %s)", resub.Time.Sub(o.At).Seconds(), o.At.Format("15:04:05.0"))
	}
}

// checkTornStep200 asks the ckpt verb, while the first job still hangs in
// its save, what it thinks of the directory: step 200 torn, 100 newest.
func (s *scenario) checkTornStep200() {
	s.t.Helper()
	v := s.ckptVerb()
	if v.NewestComplete == nil || *v.NewestComplete != 100 {
		s.t.Errorf("ckpt verb during the hang: newest complete = %v, want 100", v.NewestComplete)
	}
	found := false
	for _, st := range v.Steps {
		if st.Step == 200 {
			found = true
			if st.Complete {
				s.t.Errorf("ckpt verb during the hang: step 200 complete, want incomplete (torn model file)")
			}
			s.logf("ckpt verb: step 200 incomplete: %s", st.Reason)
		}
	}
	if !found {
		s.t.Errorf("ckpt verb during the hang: no step 200 at all, want a torn one")
	}
}
