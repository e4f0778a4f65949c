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
const (
	reloadDebounce = 300 * time.Millisecond
	reloadRecheck  = time.Minute
)

// ConfigWatcher calls back when the configuration file may have changed.
type ConfigWatcher struct {
	w      *fsnotify.Watcher
	cancel context.CancelFunc
	done   sync.WaitGroup
}

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
	dirs := watchedDirs(path)
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			w.Close()
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	cw := &ConfigWatcher{w: w, cancel: cancel}
	cw.done.Add(1)
	go func() {
		defer cw.done.Done()
		cw.loop(ctx, path, onChange)
	}()
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

func (cw *ConfigWatcher) loop(ctx context.Context, path string, onChange func()) {
	base := filepath.Base(path)
	sum := fileSum(path)
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	recheck := time.NewTicker(reloadRecheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-cw.w.Events:
			if !ok {
				return
			}
			if filepath.Base(ev.Name) == base || isTarget(path, ev.Name) {
				debounce.Reset(reloadDebounce)
			}
		case _, ok := <-cw.w.Errors:
			if !ok {
				return
			}
		case <-debounce.C:
			sum = fileSum(path)
			onChange()
		case <-recheck.C:
			if s := fileSum(path); s != sum {
				sum = s
				onChange()
			}
		}
	}
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

// Close stops watching.
func (cw *ConfigWatcher) Close() error {
	cw.cancel()
	err := cw.w.Close()
	cw.done.Wait()
	return err
}
