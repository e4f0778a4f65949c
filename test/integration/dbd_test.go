package integration

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// slurmdbd goes away while the run's job is running, and the job crashes
// (at step 290, last complete checkpoint 250) while it is away. sacct then
// fails, so the daemon cannot know how the job ended: it must say Slurm is
// unavailable and decide nothing. Once slurmdbd is back it must see the
// FAILED job and resubmit it exactly once, from step 250.
//
// Not parallel: stopping slurmdbd disturbs every other test on the cluster.
func TestSlurmdbdOutageDefersDecisions(t *testing.T) {
	needSlurm(t)
	if os.Geteuid() != 0 {
		t.Skip("stopping slurmdbd needs root (run the suite as root, as CI does)")
	}
	if _, err := os.Stat(filepath.Join(suite.lab.Deploy, "down.sh")); err != nil {
		t.Skipf("no script to stop slurmdbd with (%v)", err)
	}
	slurmlab.LockOutages(t)
	s := newScenario(t, "dbd", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=5"},
		ValBPB:     0.75,
		Core:       0.22,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":  "1000",
			"SIMTRAIN_STEP_TIME":       "0.1",
			"SIMTRAIN_SAVE_EVERY":      "50",
			"SIMTRAIN_EVAL_EVERY":      "50",
			"SIMTRAIN_CRASH_AT_STEP":   "290",
			"SIMTRAIN_CRASH_ONCE_FILE": "{dir}/crashed-once",
		},
	})
	s.start()
	job := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	watch := s.watchJob(job)
	s.waitQueued(job, 3*time.Minute, "RUNNING")
	s.waitLog(job, "step 00001/", 30*time.Second)

	down, gone := s.crashDuringOutage(job)
	time.Sleep(8 * time.Second) // four passes at poll_interval 2s

	upStart := time.Now()
	if err := suite.lab.ClusterUp(); err != nil {
		t.Fatalf("bringing slurmdbd back: %v", err)
	}
	s.logf("up.sh took %.1fs", time.Since(upStart).Seconds())
	up := s.waitFor("slurm_unavailable", both(field("state", "up"), after(down.Time)), time.Minute)
	if up.Time.Before(upStart) {
		// Something else on this machine ran up.sh during the outage.
		s.logf("slurmdbd came back before this test restarted it (another user of the cluster?)")
	}
	if blind := up.Time.Sub(gone); blind < 4*time.Second {
		t.Fatalf("slurmdbd was back %.1fs after the job ended: too soon to test the outage", blind.Seconds())
	}
	s.assertNoDecisionBetween(down.Time, up.Time, job)
	resub := s.waitResubmission(job, "FAILED", 250)
	if failed := s.events.matching("job_state_changed", both(field("job_id", job), field("state", "FAILED"))); failed[0].Time.Before(up.Time) {
		t.Errorf("job_state_changed FAILED at %s, before slurm_unavailable up at %s", failed[0].Time, up.Time)
	}
	t.Logf("reaction_dbd_back_seconds=%.1f (slurm_unavailable up to job_resubmitted); Slurm blind for %.1fs after the job ended",
		resub.Time.Sub(up.Time).Seconds(), up.Time.Sub(gone).Seconds())

	watch.end()
	t.Logf("what squeue and sacct said about job %s:\n%s", job, watch)
	if o, ok := watch.first(func(o jobObservation) bool { return o.Sacct == "FAILED" }); ok {
		t.Logf("reaction_dbd_from_sacct_seconds=%.1f (sacct first showed FAILED at %s)", resub.Time.Sub(o.At).Seconds(), o.At.Format("15:04:05.0"))
	}

	s.assertResubmittedOnce(job)
}

// assertResubmittedOnce gives the daemon a few more passes, then checks
// that the job was resubmitted exactly once and nothing else was.
func (s *scenario) assertResubmittedOnce(job string) {
	s.t.Helper()
	time.Sleep(6 * time.Second)
	if n := len(s.events.matching("job_resubmitted", field("job_id", job))); n != 1 {
		s.t.Errorf("job_resubmitted for job %s: %d events, want exactly 1", job, n)
	}
	if n := len(s.submitted()); n != 2 {
		s.t.Errorf("job_resubmitted events = %d, want 2 (the first job and its one resubmission)", n)
	}
	s.assertJobsAccounted(2)
}

// crashDuringOutage stops slurmdbd (bringing it back in a cleanup whatever
// happens), waits for the daemon to notice, then for the trainer to crash
// and the job to leave squeue. It returns the daemon's slurm_unavailable
// down event and when the job was seen gone.
func (s *scenario) crashDuringOutage(job string) (down event, gone time.Time) {
	s.t.Helper()
	crashed := filepath.Join(s.dir, "crashed-once")
	s.t.Cleanup(func() {
		if err := suite.lab.ClusterUp(); err != nil {
			s.t.Errorf("bringing slurmdbd back: %v", err)
		}
	})
	if err := suite.lab.StopDaemon("slurmdbd"); err != nil {
		s.t.Fatal(err)
	}
	s.logf("slurmdbd stopped")
	if _, err := os.Stat(crashed); err == nil {
		s.t.Fatalf("the job crashed before slurmdbd was down; the scenario's timing is off")
	}
	down = s.waitFor("slurm_unavailable", field("state", "down"), 30*time.Second)

	// squeue still works without slurmdbd and sees the job go.
	s.waitUntil("the trainer to crash", 2*time.Minute, func() bool {
		_, err := os.Stat(crashed)
		return err == nil
	})
	s.waitGone(job, time.Minute)
	gone = time.Now()
	s.logf("job %s has left squeue; sacct cannot say how it ended", job)
	if _, err := sacctByID(job); err == nil {
		s.t.Fatalf("sacct answered during the outage (did something else restart slurmdbd?); the scenario needs it down")
	}
	return down, gone
}

// assertNoDecisionBetween checks that nothing was decided about the job
// while Slurm was down: no resubmission, no stop, no end seen.
func (s *scenario) assertNoDecisionBetween(from, to time.Time, job string) {
	s.t.Helper()
	for _, e := range s.events.matching("", func(e event) bool { return !e.Time.Before(from) && e.Time.Before(to) }) {
		switch {
		case e.Name == "job_resubmitted", e.Name == "submit_intent", e.Name == "run_stopped", e.Name == "run_backoff":
			s.t.Errorf("decision taken while slurmdbd was down: %s", e)
		case e.Name == "job_state_changed" && e.str("job_id") == job:
			s.t.Errorf("job state taken from a Slurm that could not answer: %s", e)
		}
	}
}
