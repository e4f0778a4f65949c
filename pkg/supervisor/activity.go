package supervisor

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Activity timing. A training job writes its log every step and its
// checkpoints every few hundred; when it dies, both go quiet. A pass soon
// after they go quiet sees the job's end within seconds instead of at the
// next poll, without polling Slurm harder.
const (
	// activityQuiet is how long the watched files must stay quiet after
	// activity before the loop is woken.
	activityQuiet = 8 * time.Second
	// activityMinGap rate-limits those wake-ups.
	activityMinGap = 20 * time.Second
)

// ActivityWatcher wakes the loop when a run's training log or checkpoint
// directory goes quiet after activity.
type ActivityWatcher struct {
	w      *fsnotify.Watcher
	wake   func()
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu      sync.Mutex
	watched map[string]bool
}

// WatchActivity starts a watcher; Sync tells it which directories to watch.
func WatchActivity(ctx context.Context, wake func()) (*ActivityWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	aw := &ActivityWatcher{w: w, wake: wake, cancel: cancel, watched: map[string]bool{}}
	aw.done.Add(1)
	go func() {
		defer aw.done.Done()
		aw.loop(ctx)
	}()
	return aw, nil
}

// ActivityDirs are the directories whose activity matters: every
// supervised run's checkpoint directory and the directory of its current
// job's log.
func (s *Supervisor) ActivityDirs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dirs []string
	for name, rc := range s.runs {
		st := s.states[name]
		if rc.paused(st) || st.Phase.Terminal() {
			continue
		}
		dirs = append(dirs, rc.CheckpointDir)
		if st.Job != nil {
			log, _ := rc.jobLogPaths(st.Job)
			dirs = append(dirs, filepath.Dir(log))
		}
	}
	return dirs
}

// Sync makes the watched set equal to dirs (those that exist).
func (aw *ActivityWatcher) Sync(dirs []string) {
	want := map[string]bool{}
	for _, d := range dirs {
		want[filepath.Clean(d)] = true
	}
	aw.mu.Lock()
	defer aw.mu.Unlock()
	for d := range aw.watched {
		if !want[d] {
			aw.w.Remove(d)
			delete(aw.watched, d)
		}
	}
	for d := range want {
		if !aw.watched[d] && aw.w.Add(d) == nil {
			aw.watched[d] = true
		}
	}
}

func (aw *ActivityWatcher) loop(ctx context.Context) {
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	pending := false
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-aw.w.Events:
			if !ok {
				return
			}
			pending = true
			quiet.Reset(activityQuiet)
		case _, ok := <-aw.w.Errors:
			if !ok {
				return
			}
		case <-quiet.C:
			if !pending {
				continue
			}
			if gap := activityMinGap - time.Since(last); gap > 0 {
				quiet.Reset(gap)
				continue
			}
			pending = false
			last = time.Now()
			aw.wake()
		}
	}
}

// Close stops the watcher.
func (aw *ActivityWatcher) Close() error {
	aw.cancel()
	err := aw.w.Close()
	aw.done.Wait()
	return err
}
