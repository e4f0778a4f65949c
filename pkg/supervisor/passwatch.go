package supervisor

import (
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"sync"
	"time"
)

// A pass is bounded (Slurm commands by command_timeout, log reads by
// logReadTimeout), but a pass that takes longer than it should is the
// first sign of a filesystem or Slurm going bad, and a pass that never
// ends would otherwise be invisible while the lease heartbeat keeps the
// daemon looking alive. So a pass that runs past its budget says so while
// it is still running, and again when it ends.

// passBudget is how long a pass may take: a few Slurm commands, each
// bounded by command_timeout, plus reading checkpoints and logs.
func (s *Supervisor) passBudget() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overrunAfter > 0 {
		return s.overrunAfter
	}
	d := time.Minute + 2*logReadTimeout
	if s.cfg != nil {
		d += 4 * s.cfg.Slurm.CommandTimeout
	}
	return d
}

// watchPass starts watching a pass; the returned function ends the watch.
// Wall-clock time is used, not the injected clock: what matters is how
// long the daemon really spent.
func (s *Supervisor) watchPass() (end func()) {
	budget := s.passBudget()
	start := time.Now()
	var mu sync.Mutex
	overran := false
	t := time.AfterFunc(budget, func() {
		mu.Lock()
		overran = true
		mu.Unlock()
		s.emitAndJournal(s.now(), run.Event{Name: run.EventPassOverrun, Fields: map[string]any{
			run.FieldState: "running", "running_for": time.Since(start).Round(time.Millisecond).String(), "budget": budget.String()}})
	})
	return func() {
		t.Stop()
		mu.Lock()
		late := overran
		mu.Unlock()
		if late {
			s.emitAndJournal(s.now(), run.Event{Name: run.EventPassOverrun, Fields: map[string]any{
				run.FieldState: "ended", "duration": time.Since(start).Round(time.Millisecond).String(), "budget": budget.String()}})
		}
	}
}
