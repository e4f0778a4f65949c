package integration

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// jobWatch polls squeue and sacct for one job once a second and records
// every change of what they say, so that a reaction time can be split into
// Slurm's lag and the daemon's.
type jobWatch struct {
	id   string
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	changes []jobObservation
}

type jobObservation struct {
	At           time.Time
	Queue, Sacct string // "" when not listed
}

func (o jobObservation) String() string {
	q, a := o.Queue, o.Sacct
	if q == "" {
		q = "(gone)"
	}
	if a == "" {
		a = "(no row)"
	}
	return fmt.Sprintf("%s squeue=%s sacct=%s", o.At.Format("15:04:05.0"), q, a)
}

// watchJob starts watching; the scenario's cleanup stops it.
func (s *scenario) watchJob(id string) *jobWatch {
	w := &jobWatch{id: id, stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	s.t.Cleanup(w.end)
	return w
}

func (w *jobWatch) loop() {
	defer close(w.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		q := queueState(w.id)
		a := "?"
		if j, err := sacctByID(w.id); err == nil {
			a = j.State
		} else if strings.Contains(err.Error(), "no row") {
			a = ""
		}
		w.mu.Lock()
		if n := len(w.changes); n == 0 || w.changes[n-1].Queue != q || w.changes[n-1].Sacct != a {
			w.changes = append(w.changes, jobObservation{At: time.Now(), Queue: q, Sacct: a})
		}
		w.mu.Unlock()
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

func (w *jobWatch) end() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// first is the first observation for which pred holds.
func (w *jobWatch) first(pred func(jobObservation) bool) (jobObservation, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, o := range w.changes {
		if pred(o) {
			return o, true
		}
	}
	return jobObservation{}, false
}

func (w *jobWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for _, o := range w.changes {
		fmt.Fprintf(&b, "  job %s %s\n", w.id, o)
	}
	return b.String()
}
