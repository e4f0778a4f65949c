package supervisor

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Reload timing. Editors write a file in several steps (truncate + write,
// or write a new file and rename it over the old one), so events are
// debounced. Network home directories may deliver no events at all, hence
// the slow periodic re-check of the content.
const reloadDebounce = 300 * time.Millisecond

// reloadRecheck is a variable so that a test can shorten it.
var reloadRecheck = time.Minute

// watcher runs a loop over an fsnotify watcher's events until Close.
type watcher struct {
	w      *fsnotify.Watcher
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// start calls onEvent for every event, and onTimer whenever timer fires,
// until ctx ends or the watcher is closed.
func (x *watcher) start(ctx context.Context, timer *time.Timer, onEvent func(fsnotify.Event), onTimer func()) {
	ctx, x.cancel = context.WithCancel(ctx)
	x.done.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-x.w.Events:
				if !ok {
					return
				}
				onEvent(ev)
			case _, ok := <-x.w.Errors:
				if !ok {
					return
				}
			case <-timer.C:
				onTimer()
			}
		}
	})
}

// Close stops watching.
func (x *watcher) Close() error {
	x.cancel()
	err := x.w.Close()
	x.done.Wait()
	return err
}

// ConfigWatcher calls back when the configuration file may have changed.
type ConfigWatcher struct{ watcher }

// WatchConfig watches path (and, when it is a symlink, the file it points
// to) and calls onChange, debounced, after any event that touches it, and
// whenever its content differs at a periodic re-check. onChange must
// validate before applying: it is also called for edits that are not
// finished or not valid.
func WatchConfig(ctx context.Context, path string, onChange func()) (*ConfigWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	for _, d := range watchedDirs(path) {
		if err := w.Add(d); err != nil {
			w.Close()
			return nil, err
		}
	}
	// One timer: the debounce after an event, else the periodic re-check.
	// An event never pushes the timer past the re-check's due time, so a
	// file touched more often than the debounce is still re-read.
	recheck := reloadRecheck
	timer := time.NewTimer(recheck)
	due := time.Now().Add(recheck)
	base, sum, edited := filepath.Base(path), fileSum(path), false
	cw := &ConfigWatcher{watcher{w: w}}
	cw.start(ctx, timer, func(ev fsnotify.Event) {
		if filepath.Base(ev.Name) == base || isTarget(path, ev.Name) {
			edited = true
			timer.Reset(min(reloadDebounce, max(0, time.Until(due))))
		}
	}, func() {
		if s := fileSum(path); edited || s != sum {
			sum = s
			onChange()
		}
		edited = false
		due = time.Now().Add(recheck)
		timer.Reset(recheck)
	})
	return cw, nil
}

// watchedDirs are the directories whose events can change what path
// reads: its own, and its symlink target's.
func watchedDirs(path string) []string {
	dirs := []string{filepath.Dir(path)}
	if target, err := filepath.EvalSymlinks(path); err == nil && filepath.Dir(target) != dirs[0] {
		dirs = append(dirs, filepath.Dir(target))
	}
	return dirs
}

func isTarget(path, name string) bool {
	target, err := filepath.EvalSymlinks(path)
	return err == nil && filepath.Clean(target) == filepath.Clean(name)
}

func fileSum(path string) [32]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return [32]byte{}
	}
	return sha256.Sum256(data)
}

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
	watcher
	mu      sync.Mutex
	watched map[string]bool
}

// WatchActivity starts a watcher; Sync tells it which directories to watch.
func WatchActivity(ctx context.Context, wake func()) (*ActivityWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	aw := &ActivityWatcher{watcher: watcher{w: w}, watched: map[string]bool{}}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	pending := false
	var last time.Time
	aw.start(ctx, quiet, func(fsnotify.Event) {
		pending = true
		quiet.Reset(activityQuiet)
	}, func() {
		if !pending {
			return
		}
		if gap := activityMinGap - time.Since(last); gap > 0 {
			quiet.Reset(gap)
			return
		}
		pending = false
		last = time.Now()
		wake()
	})
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
