package integration

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// queue_ahead: true on the real cluster. Job 1 hits its time limit; its
// successor, queued behind it with --dependency=afterany while it ran,
// starts the moment it ends and resumes (through resume-step) from the
// newest complete checkpoint; so does every further successor until the
// targets are reached. squeue never shows two of the run's jobs RUNNING.
// Once the run is done, the successor queued behind its last job is
// cancelled before it ever runs.
func TestQueueAheadTimeoutContinuesInSuccessor(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "queue", runOptions{
		Start:      "submit",
		QueueAhead: true,
		SbatchArgs: []string{"--time=1"},
		// CORE(1000) ≈ 0.241 with the default curve (tau = 1200/4), while
		// CORE(800) ≈ 0.233: job 1 (at most 90 s, fewer than 900 steps)
		// cannot reach the targets.
		ValBPB: 0.75,
		Core:   0.235,
		Policy: map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
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
	jobs := []string{first.str("new_job_id")}
	var gaps []string
	for {
		cur := jobs[len(jobs)-1]
		queued := s.waitFor("job_queued", field("job_id", cur), 3*time.Minute)
		succ := queued.str("new_job_id")
		if len(s.events.matching("run_target_reached", nil)) == 0 {
			if got := queueStateSure(succ); got != "PENDING" {
				t.Errorf("successor %s while job %s runs: squeue state %q, want PENDING", succ, cur, got)
			}
		}
		s.waitUntil("job "+cur+" taken over, or the targets", 4*time.Minute, func() bool {
			return len(s.events.matching("run_target_reached", nil)) > 0 ||
				len(s.events.matching("job_resubmitted", both(field("job_id", cur), field("new_job_id", succ)))) > 0
		})
		if len(s.events.matching("run_target_reached", nil)) > 0 {
			cancel := s.waitFor("job_cancelled", field("job_id", succ), 30*time.Second)
			if cancel.str("successor") != "true" {
				t.Errorf("job_cancelled of %s: successor = %s, want true", succ, cancel.str("successor"))
			}
			jobs = append(jobs, succ)
			break
		}
		took := s.waitFor("job_resubmitted", both(field("job_id", cur), field("new_job_id", succ)), time.Second)
		if took.str("successor") != "true" {
			t.Errorf("job_resubmitted %s → %s: successor = %s, want true", cur, succ, took.str("successor"))
		}
		resume := took.step("resume_step")
		if resume < 100 {
			t.Errorf("successor %s took over with resume_step %d, want a complete step >= 100", succ, resume)
		}
		s.waitLog(succ, "Resuming optimization from step "+strconv.Itoa(resume), time.Minute)
		j, err1 := sacctByID(cur)
		n, err2 := sacctByID(succ)
		if err1 == nil && err2 == nil {
			gaps = append(gaps, fmt.Sprintf("%s→%s %.0f s", cur, succ, n.Start.Sub(j.End).Seconds()))
		}
		jobs = append(jobs, succ)
	}
	last, cancelled := jobs[len(jobs)-2], jobs[len(jobs)-1]
	if len(jobs) < 3 {
		t.Errorf("jobs %v: want at least one takeover by a queued successor", jobs)
	}
	s.waitTargets(last, 1000, 0.75, 0.235)
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		t.Errorf("daemon exit code = %d, want 0", code)
	}
	s.waitGone(cancelled, time.Minute)
	s.waitGone(last, 3*time.Minute)
	running.stop()

	if n := running.max(); n > 1 {
		t.Errorf("squeue showed %d jobs of the run RUNNING at once, want at most 1:\n%s", n, running)
	}
	for i, id := range jobs {
		j, err := sacctByID(id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i < len(jobs)-2 && j.State != "TIMEOUT":
			t.Errorf("sacct state of job %s = %q, want TIMEOUT", id, j.State)
		case i == len(jobs)-1 && !strings.HasPrefix(j.State, "CANCELLED"):
			t.Errorf("sacct state of the last successor %s = %q, want CANCELLED", id, j.State)
		case i == len(jobs)-1 && !j.Start.IsZero():
			// A race the daemon cannot win: the job that reached the
			// targets ended (its time limit) before the pass that read
			// its last evaluation, and the successor started at once.
			// It must then have started after its predecessor ended, and
			// been cancelled within a pass or two.
			prev, err := sacctByID(last)
			switch {
			case err != nil:
				t.Fatal(err)
			case j.Start.Before(prev.End):
				t.Errorf("cancelled successor %s started at %s, before job %s ended at %s", id, j.Start, last, prev.End)
			case j.End.Sub(j.Start) > 30*time.Second:
				t.Errorf("successor %s started at %s after the targets were reached and ran until %s, want cancelled within a pass", id, j.Start, j.End)
			default:
				s.logf("successor %s started as job %s ended (%s) and was cancelled after %s", id, last, prev.End, j.End.Sub(j.Start))
			}
		}
	}
	if got, want := len(s.submitted()), len(jobs)-1; got != want {
		t.Errorf("job_resubmitted events = %d, want %d (job 1, then each successor taking over)", got, want)
	}
	s.logf("queue_ahead_gap_seconds (sacct End → next Start, whole seconds): %s", strings.Join(gaps, ", "))
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
