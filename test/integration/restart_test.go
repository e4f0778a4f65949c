package integration

import (
	"testing"
	"time"
)

// The daemon is killed with SIGKILL right after it submitted a job, while
// the job is pending or running. Restarted with the same config and state
// directory, it must carry on with that same job, never submit a second
// one, and take the run to its targets (val_bpb(100) ≈ 0.77 and
// CORE(100) ≈ 0.22 with tau = 200/4).
func TestDaemonKilledAndRestartedKeepsItsJob(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "restart", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=3"},
		ValBPB:     0.8,
		Core:       0.2,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":    "200",
			"SIMTRAIN_STEP_TIME":         "0.1",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "100",
		},
	})
	first := s.start()
	sub := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job := sub.str("new_job_id")
	first.kill9(t)
	state := queueStateSure(job)
	s.logf("daemon 1 killed; job %s is %q in squeue", job, state)
	if state == "" || state == "?" {
		t.Fatalf("job %s is not in squeue right after the kill (%q); the scenario needs it live", job, state)
	}

	second := s.start()
	done := s.waitFor("run_target_reached", func(e event) bool { return e.Daemon == second.n }, 3*time.Minute)
	if got := done.str("job_id"); got != job {
		t.Errorf("run_target_reached job_id = %q, want the job submitted before the kill, %s", got, job)
	}
	if code := s.waitExit(second, 30*time.Second); code != 0 {
		t.Errorf("restarted daemon exit code = %d, want 0", code)
	}
	s.assertStatus("done", "target_reached", 1)
	s.assertHistoryMatchesLog()
	for _, e := range s.events.matching("", func(e event) bool { return e.Daemon == second.n }) {
		switch e.Name {
		case "job_resubmitted", "submit_intent", "resubmit_failed":
			t.Errorf("restarted daemon: %s; it must follow job %s, not submit", e, job)
		}
	}
	s.waitGone(job, 2*time.Minute)
	s.assertQueueHoldsAtMost()
	jobs := s.assertJobsAccounted(1)
	if j, ok := jobs[job]; ok && j.State != "COMPLETED" {
		t.Errorf("sacct state of job %s = %q, want COMPLETED", job, j.State)
	}
}

// The daemon is killed with SIGKILL after it has recorded its intent to
// submit and before sbatch has done anything (sbatch is slowed down, and
// killed too if it outlives the daemon). The restarted daemon finds no job
// with the intent's tag; only after the grace period, when the intent is
// provably void, may it submit, and then exactly once.
func TestDaemonKilledBeforeSbatch(t *testing.T) {
	t.Parallel()
	s := newIntentScenario(t, "intent", slowSbatch{Delay: 2 * time.Second})
	first := s.start()
	intent := s.waitFor("submit_intent", nil, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	first.kill9(t)
	s.killSlowSbatch()
	if before := s.submitted(); len(before) > 0 {
		t.Fatalf("sbatch returned before the kill landed (job %v); the scenario needs the daemon dead first", before)
	}

	second := s.start()
	job := s.finishAfterRestart(second)
	void := s.events.matching("resubmit_failed", field("reason", "intent_void"))
	adopted := s.events.matching("run_adopted", nil)
	if len(void) != 1 || len(s.submitted()) != 1 || len(adopted) != 0 {
		t.Errorf("killed before sbatch: want one resubmit_failed (intent_void), one job_resubmitted, no run_adopted; got %d, %d, %d",
			len(void), len(s.submitted()), len(adopted))
	} else {
		s.logf("intent %s declared void %.0fs after it was recorded", intent.str("tag"), void[0].Time.Sub(intent.Time).Seconds())
	}
	s.assertOnlyJob(job)
}

// The daemon is killed with SIGKILL after sbatch has created the job but
// before the daemon has read its id (sbatch answers late). The restarted
// daemon must find the job by the tag in its --comment and adopt it, not
// submit a twin.
func TestDaemonKilledBeforeRecordingJobID(t *testing.T) {
	t.Parallel()
	s := newIntentScenario(t, "sbatch", slowSbatch{Delay: 3 * time.Second, After: true})
	first := s.start()
	intent := s.waitFor("submit_intent", nil, 30*time.Second)
	var created []queued
	s.waitUntil("the job of the intent in squeue", 10*time.Second, func() bool {
		created, _ = squeueByName(s.jobName)
		return len(created) > 0
	})
	first.kill9(t)
	if before := s.submitted(); len(before) > 0 {
		t.Fatalf("the daemon recorded job %v before the kill; the scenario needs it dead first", before)
	}
	s.logf("job %s created by sbatch; daemon 1 killed before it learnt the id", created[0].ID)

	second := s.start()
	job := s.finishAfterRestart(second)
	adopted := s.events.matching("run_adopted", field("reason", "adopted_tagged_job"))
	if len(adopted) != 1 || len(s.submitted()) != 0 {
		t.Errorf("want one run_adopted (adopted_tagged_job) and no job_resubmitted; got %d and %d", len(adopted), len(s.submitted()))
	} else if got := adopted[0].str("job_id"); got != created[0].ID || job != created[0].ID {
		t.Errorf("adopted job %s, targets reached by job %s; want both to be the tagged job %s", got, job, created[0].ID)
	}
	jobs := s.assertOnlyJob(created[0].ID)
	if j, ok := jobs[created[0].ID]; ok && j.Comment != intent.str("tag") {
		t.Errorf("job %s has comment %q, want the intent's tag %q", j.ID, j.Comment, intent.str("tag"))
	}
}

// newIntentScenario is a short run that reaches its targets at step 100
// (val_bpb ≈ 0.77 <= 0.8, CORE ≈ 0.22 >= 0.2 with tau = 200/4), with
// sbatch slowed down.
func newIntentScenario(t *testing.T, short string, w slowSbatch) *scenario {
	return newScenario(t, short, runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=3"},
		ValBPB:     0.8,
		Core:       0.2,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		SlowSbatch: &w,
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":    "200",
			"SIMTRAIN_STEP_TIME":         "0.1",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "100",
		},
	})
}

// finishAfterRestart waits for the restarted daemon to reach the targets
// and exit 0, and returns the job that reached them.
func (s *scenario) finishAfterRestart(d *daemonProc) string {
	s.t.Helper()
	done := s.waitFor("run_target_reached", func(e event) bool { return e.Daemon == d.n }, 5*time.Minute)
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		s.t.Errorf("restarted daemon exit code = %d, want 0", code)
	}
	s.assertHistoryMatchesLog()
	return done.str("job_id")
}

// assertOnlyJob checks that the job has left squeue and is the scenario's
// only job in sacct.
func (s *scenario) assertOnlyJob(job string) map[string]sacctJob {
	s.t.Helper()
	s.waitGone(job, 2*time.Minute)
	s.assertQueueHoldsAtMost()
	jobs := map[string]sacctJob{}
	for _, j := range s.scenarioJobs() {
		jobs[j.ID] = j
	}
	if _, ok := jobs[job]; len(jobs) != 1 || !ok {
		s.t.Errorf("sacct lists %v for %s, want exactly job %s", jobs, s.jobName, job)
	}
	return jobs
}
