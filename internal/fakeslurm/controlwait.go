package fakeslurm

import (
	"fmt"
	"strconv"
	"time"
)

// controlWait blocks until job ID has ended (reaping exec jobs as sacct
// would), so a CLI test can wait for a real script without a sleep loop.
// Usage: wait ID [TIMEOUT], TIMEOUT a Go duration (default 30s).
func (e *env) controlWait(args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("usage: wait ID [TIMEOUT]")
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("job id %q: not a number", args[0])
	}
	timeout := 30 * time.Second
	if len(args) == 2 {
		if timeout, err = time.ParseDuration(args[1]); err != nil {
			return fmt.Errorf("timeout %q: %w", args[1], err)
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		state, err := e.reapedState(id)
		if err != nil {
			return err
		}
		if !liveStates[baseState(state)] {
			fmt.Fprintln(e.stdout, state)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("job %d still %s after %v", id, state, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reapedState returns the job's state after bringing it up to date.
func (e *env) reapedState(id int) (string, error) {
	var state string
	err := e.update(func(w *world) error {
		e.reap(w)
		j := w.job(id)
		if j == nil {
			return fmt.Errorf("no job %d", id)
		}
		state = j.State
		return nil
	})
	return state, err
}
