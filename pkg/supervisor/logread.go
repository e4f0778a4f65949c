package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// Reading a training log must never stall a pass: the log is whatever file
// the user's pattern names, and that may be a FIFO, a device such as
// /dev/zero, or a file on a network filesystem that stopped answering. So
// a log is read like a checkpoint: regular files only (stat before open,
// opened with O_NONBLOCK, checked again on the open descriptor), at most
// logReadBytes per pass, incrementally (trainer.LogTail), and in a
// goroutine the pass waits for at most logReadTimeout. A read that does
// not return in time is abandoned; it keeps its stream busy until it
// returns, so a hung file costs one goroutine, not one per pass.
const (
	logReadTimeout = 10 * time.Second
	logReadBytes   = 32 << 20
)

var errNotRegular = errors.New("not a regular file")

// logCache keeps the incremental parse of each stream (training log,
// error file) of each run's current job.
type logCache struct {
	mu      sync.Mutex
	entries map[string]*logEntry // by run name and stream
	// timeout and limit override logReadTimeout and logReadBytes (tests).
	timeout time.Duration
	limit   int64
	// open overrides openRegular (tests stand in a file that hangs).
	open func(path string) (logFile, fs.FileInfo, error)
}

// logFile is what reading a log needs of an open file.
type logFile interface {
	ReadAt(p []byte, off int64) (int, error)
	Close() error
}

type logEntry struct {
	path  string // the expanded pattern (may still hold %N)
	tail  *trainer.LogTail
	meter *goodput.StepMeter // fed by tail: the steps of the same bytes
	size  int64              // bytes parsed, as of the last read
	mod   time.Time
	last  int // the summary's LastStep at mod
	// prevMod and prevLast are mod and last before the file last changed:
	// the span the stall alarm learns from (pkg/run, stall.go).
	prevMod  time.Time
	prevLast int
	have     bool // the file was read at least once
	busy     bool // a read is under way (perhaps abandoned)
	busyFrom time.Time
	reported string // the path whose trouble was already logged
}

// streamRead is what one read of one stream found.
type streamRead struct {
	Path    string // the file read (%N resolved)
	Summary *trainer.LogSummary
	Steps   *goodput.StepStats // with Summary
	ModTime time.Time          // the file's modification time, with Summary
	// PrevModTime and PrevLastStep: the modification time and last step
	// before the file last changed, as this process saw them (zero: once).
	PrevModTime  time.Time
	PrevLastStep int
	Missing      bool // no such file (yet)
	Err          error
	Abandoned    bool // the read did not return in time
	report       bool // Err is news for this path: log it once
}

// readStream reads what was appended to one stream since the last pass,
// within the time and byte bounds above.
func (c *logCache) readStream(key, path string) streamRead {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*logEntry{}
	}
	e := c.entries[key]
	if e == nil || e.path != path {
		if e != nil && e.busy {
			// The old file's read still hangs: leave it its entry.
			e = &logEntry{reported: e.reported}
		} else {
			e = &logEntry{}
		}
		e.meter = &goodput.StepMeter{}
		e.path, e.tail = path, &trainer.LogTail{Also: e.meter}
		c.entries[key] = e
	}
	if e.busy {
		r := streamRead{Path: path,
			Err: fmt.Errorf("read of %s started %s ago has not returned", path, time.Since(e.busyFrom).Round(time.Second))}
		e.snapshot(&r)
		c.mu.Unlock()
		return r
	}
	e.busy, e.busyFrom = true, time.Now()
	timeout, open, limit := c.timeout, c.open, c.limit
	c.mu.Unlock()
	if limit <= 0 {
		limit = logReadBytes
	}
	if timeout <= 0 {
		timeout = logReadTimeout
	}
	if open == nil {
		open = openRegular
	}

	done := make(chan streamRead, 1)
	go func() {
		r := readLogOnce(e, path, open, limit)
		c.mu.Lock()
		e.busy = false
		c.mu.Unlock()
		done <- r
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	var r streamRead
	select {
	case r = <-done:
	case <-t.C:
		c.mu.Lock()
		r = streamRead{Path: path, Abandoned: true,
			Err: fmt.Errorf("read of %s did not return within %s; abandoned", path, timeout)}
		e.snapshot(&r)
		c.mu.Unlock()
	}
	if r.Err != nil {
		c.mu.Lock()
		if e.reported != r.Path {
			e.reported, r.report = r.Path, true
		}
		c.mu.Unlock()
	}
	return r
}

// snapshot puts a copy of what was parsed so far into r, nothing if
// nothing was. The caller holds the cache's lock and the entry is not
// being read.
func (e *logEntry) snapshot(r *streamRead) {
	if e.busy || !e.have {
		return
	}
	e.fill(r)
}

// fill puts a copy of what the tail parsed and the meter measured into r.
func (e *logEntry) fill(r *streamRead) {
	s, st := e.tail.Summary(), e.meter.Stats()
	r.Summary, r.Steps, r.ModTime = &s, &st, e.mod
	r.PrevModTime, r.PrevLastStep = e.prevMod, e.prevLast
}

// readLogOnce does the reading for readStream. It owns e's tail while
// e.busy is set.
func readLogOnce(e *logEntry, path string, open func(string) (logFile, fs.FileInfo, error), limit int64) streamRead {
	r := streamRead{Path: path}
	if strings.Contains(path, "%N") {
		found, err := globNode(path)
		if err != nil {
			r.Err = err
			return r
		}
		if found == "" {
			r.Missing = true
			return r
		}
		r.Path = found
	}
	f, fi, err := open(r.Path)
	if errors.Is(err, fs.ErrNotExist) {
		r.Missing = true
		return r
	}
	if err != nil {
		r.Err = err
		return r
	}
	defer f.Close()
	if e.have && fi.Size() == e.size && fi.ModTime().Equal(e.mod) {
		e.fill(&r)
		return r
	}
	upto := fi.Size()
	if upto >= e.tail.Offset() {
		upto = min(upto, e.tail.Offset()+limit)
	} else {
		upto = min(upto, limit)
	}
	err = e.tail.Update(f, upto)
	if e.have && !fi.ModTime().Equal(e.mod) {
		e.prevMod, e.prevLast = e.mod, e.last
	}
	e.have, e.size, e.mod = true, e.tail.Offset(), fi.ModTime()
	e.fill(&r)
	e.last = r.Summary.LastStep
	if err != nil {
		r.Err = err
	}
	return r
}

// openRegular opens a log for reading only if it is a regular file, and
// without blocking on a FIFO whose writer is missing: stat first, open
// with O_NONBLOCK, then check the descriptor is still that regular file
// (the name may have been replaced in between).
func openRegular(path string) (logFile, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &fs.PathError{Op: "read log", Path: path, Err: fmt.Errorf("%w (%s)", errNotRegular, fi.Mode().Type())}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	ofi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !ofi.Mode().IsRegular() || !os.SameFile(fi, ofi) {
		f.Close()
		return nil, nil, &fs.PathError{Op: "read log", Path: path, Err: errors.New("replaced while being opened")}
	}
	return f, ofi, nil
}

// globNode finds the file of a pattern whose %N (the node's short host
// name) could not be filled in: the newest file matching it, "" when none.
func globNode(path string) (string, error) {
	var b strings.Builder
	for _, c := range path {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	matches, err := filepath.Glob(strings.ReplaceAll(b.String(), "%N", "*"))
	if err != nil {
		return "", err
	}
	var best string
	var bestMod time.Time
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && (best == "" || fi.ModTime().After(bestMod)) {
			best, bestMod = m, fi.ModTime()
		}
	}
	return best, nil
}
