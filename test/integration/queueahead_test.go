package integration

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// queue_ahead: true on the real cluster. Job 1 hits its time limit; its
// successor, queued behind it with --dependency=afterany while it ran,
// starts the moment it ends and resumes (through resume-step) from the
// newest complete checkpoint. squeue never shows two of the run's jobs
// RUNNING. Once the targets are reached, the successor queued behind job 2
// is cancelled before it ever runs.
func TestQueueAheadTimeoutContinuesInSuccessor(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "queue", runOptions{
		Start:      "submit",
		QueueAhead: true,
		SbatchArgs: []string{"--time=1"},
		ValBPB:     0.75,
		Core:       0.22,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			// About 120 s of training: job 1 cannot finish within its
			// 1 min limit (TIMEOUT at 60-90 s); job 2 reaches the targets
			// at step 1000 (CORE every 200) and runs on to 1200.
			"SIMTRAIN_NUM_ITERATIONS":    "1200",
			"SIMTRAIN_STEP_TIME":         "0.1",
			"SIMTRAIN_SAVE_EVERY":        "100",
			"SIMTRAIN_EVAL_EVERY":        "50",
			"SIMTRAIN_CORE_METRIC_EVERY": "200",
		},
	})
	running := s.watchRunning()
	d := s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	queued := s.waitFor("job_queued", field("job_id", job1), 3*time.Minute)
	job2 := queued.str("new_job_id")
	if got := queueStateSure(job2); got != "PENDING" {
		t.Errorf("successor %s while job %s runs: squeue state %q, want PENDING", job2, job1, got)
	}

	s.waitFor("job_state_changed", both(field("job_id", job1), field("state", "TIMEOUT")), 3*time.Minute)
	took := s.waitFor("job_resubmitted", both(field("job_id", job1), field("new_job_id", job2)), time.Minute)
	resume := took.step("resume_step")
	if resume < 100 {
		t.Errorf("successor %s took over with resume_step %d, want a complete step >= 100", job2, resume)
	}
	s.waitLog(job2, "Resuming optimization from step "+strconv.Itoa(resume), time.Minute)

	next := s.waitFor("job_queued", field("job_id", job2), 2*time.Minute)
	job3 := next.str("new_job_id")
	s.waitTargets(job2, 1000, 0.75, 0.22)
	cancel := s.waitFor("job_cancelled", field("job_id", job3), 30*time.Second)
	if cancel.Fields["successor"] != true {
		t.Errorf("job_cancelled of %s: successor = %v, want true", job3, cancel.Fields["successor"])
	}
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		t.Errorf("daemon exit code = %d, want 0", code)
	}
	s.waitGone(job3, time.Minute)
	s.waitGone(job2, 3*time.Minute)
	running.stop()

	if n := running.max(); n > 1 {
		t.Errorf("squeue showed %d jobs of the run RUNNING at once, want at most 1:\n%s", n, running)
	}
	j1, err1 := sacctByID(job1)
	j2, err2 := sacctByID(job2)
	j3, err3 := sacctByID(job3)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if j1.State != "TIMEOUT" || j2.State != "COMPLETED" || !strings.HasPrefix(j3.State, "CANCELLED") {
		t.Errorf("sacct states %s=%s %s=%s %s=%s, want TIMEOUT, COMPLETED, CANCELLED", job1, j1.State, job2, j2.State, job3, j3.State)
	}
	if !j3.Start.IsZero() {
		t.Errorf("cancelled successor %s started at %s, want never", job3, j3.Start)
	}
	if n := len(s.submitted()); n != 2 {
		t.Errorf("job_resubmitted events = %d, want 2 (job 1, then the successor taking over)", n)
	}
	s.logf("queue_ahead_gap_seconds=%.0f (sacct End %s of job %s to Start %s of job %s; whole seconds)",
		j2.Start.Sub(j1.End).Seconds(), j1.End.Format(slurmTime), job1, j2.Start.Format(slurmTime), job2)
}

// runningWatch samples squeue every half second and remembers the most
// jobs of the scenario it saw RUNNING at once.
type runningWatch struct {
	mu      sync.Mutex
	most    int
	samples []string
	done    chan struct{}
	wg      sync.WaitGroup
}

func (s *scenario) watchRunning() *runningWatch {
	w := &runningWatch{done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			if q, err := squeueByName(s.jobName); err == nil {
				w.note(q)
			}
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
		}
	}()
	s.t.Cleanup(w.stop)
	return w
}

func (w *runningWatch) note(q []queued) {
	var running []string
	for _, e := range q {
		if e.State == "RUNNING" {
			running = append(running, e.ID)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(running) > w.most {
		w.most = len(running)
	}
	if len(running) > 1 {
		w.samples = append(w.samples, time.Now().Format("15:04:05.0")+" RUNNING "+strings.Join(running, ","))
	}
}

func (w *runningWatch) stop() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
	w.wg.Wait()
}

func (w *runningWatch) max() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.most
}

func (w *runningWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.samples, "\n")
}
