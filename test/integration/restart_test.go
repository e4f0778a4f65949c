package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
// submit and before sbatch has done anything (the test kills the slowed-
// down sbatch too, before it runs the real one). The restarted daemon finds
// no job with the intent's tag; only after the grace period, when the
// intent is provably void, may it submit, and then exactly once.
func TestDaemonKilledBeforeSbatch(t *testing.T) {
	t.Parallel()
	killAtIntent(t, "intent", true)
}

// The daemon is killed while sbatch (slowed down by two seconds) is
// running: the job is created, but the daemon never learns its id. The
// restarted daemon must find it by the tag in its --comment and adopt it,
// not submit a twin.
func TestDaemonKilledDuringSbatch(t *testing.T) {
	t.Parallel()
	killAtIntent(t, "sbatch", false)
}

func killAtIntent(t *testing.T, short string, killSbatch bool) {
	const sbatchDelay = 2 * time.Second
	s := newScenario(t, short, runOptions{
		Start:       "submit",
		SbatchArgs:  []string{"--time=3"},
		ValBPB:      0.8,
		Core:        0.2,
		Policy:      map[string]string{"backoff": "1s", "max_backoff": "2s"},
		SbatchDelay: sbatchDelay,
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS":    "200",
			"SIMTRAIN_STEP_TIME":         "0.1",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "100",
		},
	})
	first := s.start()
	intent := s.waitFor("submit_intent", nil, 30*time.Second)
	time.Sleep(sbatchDelay / 4)
	first.kill9(t)
	if killSbatch {
		s.killSlowSbatch()
	}
	tag := intent.str("tag")
	if before := s.submitted(); len(before) > 0 {
		t.Fatalf("sbatch returned before the kill landed (job %v); the scenario needs the daemon dead first", before)
	}

	second := s.start()
	done := s.waitFor("run_target_reached", func(e event) bool { return e.Daemon == second.n }, 5*time.Minute)
	job := done.str("job_id")
	if code := s.waitExit(second, 30*time.Second); code != 0 {
		t.Errorf("restarted daemon exit code = %d, want 0", code)
	}
	adopted := s.events.matching("run_adopted", field("reason", "adopted_tagged_job"))
	void := s.events.matching("resubmit_failed", field("reason", "intent_void"))
	resubmitted := s.submitted()
	if !killSbatch {
		if len(adopted) != 1 || len(void) != 0 || len(resubmitted) != 0 {
			t.Errorf("sbatch ran on after the kill: want one run_adopted (adopted_tagged_job), no intent_void, no job_resubmitted; got %d, %d, %d",
				len(adopted), len(void), len(resubmitted))
		} else if got := adopted[0].str("job_id"); got != job {
			t.Errorf("adopted job %s, but the targets were reached by job %s", got, job)
		}
	} else {
		if len(adopted) != 0 || len(void) != 1 || len(resubmitted) != 1 {
			t.Errorf("killed before sbatch: want one resubmit_failed (intent_void) and one job_resubmitted, no run_adopted; got %d, %d, %d",
				len(void), len(resubmitted), len(adopted))
		} else {
			s.logf("intent declared void %.0fs after it was recorded", void[0].Time.Sub(intent.Time).Seconds())
		}
	}
	s.waitGone(job, 2*time.Minute)
	s.assertQueueHoldsAtMost()
	jobs := s.scenarioJobs()
	if len(jobs) != 1 || jobs[0].ID != job {
		t.Errorf("sacct lists %v for %s, want exactly job %s", jobs, s.jobName, job)
	}
	if !killSbatch && len(jobs) == 1 && jobs[0].Comment != tag {
		t.Errorf("job %s has comment %q, want the first intent's tag %q", job, jobs[0].Comment, tag)
	}
}

// killSlowSbatch kills the slowed-down sbatch of the first daemon while it
// is still sleeping, so that the real sbatch never runs.
func (s *scenario) killSlowSbatch() {
	s.t.Helper()
	raw, err := os.ReadFile(s.sbatchPIDs())
	for end := time.Now().Add(1500 * time.Millisecond); err != nil && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		raw, err = os.ReadFile(s.sbatchPIDs())
	}
	if err != nil {
		s.logf("the daemon died before it started sbatch at all (%v)", err)
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[0]))
	if err != nil {
		s.t.Fatalf("%s: %q: %v", s.sbatchPIDs(), raw, err)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !strings.Contains(string(cmdline), filepath.Join(s.dir, "slurm-bin", "sbatch")) {
		s.t.Fatalf("PID %d is not the slow sbatch any more (cmdline %q): it ran the real one too early", pid, cmdline)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		s.t.Fatalf("kill the slow sbatch %d: %v", pid, err)
	}
	s.logf("killed the slow sbatch (PID %d) before it ran the real one", pid)
}
