package supervisor

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
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
	open func(path string) (*os.File, fs.FileInfo, error)
}

type logEntry struct {
	path  string // the expanded pattern (may still hold %N)
	tail  *trainer.LogTail
	meter *goodput.StepMeter // fed by tail: the steps of the same bytes
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

// streamRead is what one read of one stream found; Path is the file read
// (%N resolved).
type streamRead struct {
	run.LogView
	Abandoned bool // the read did not return in time
	report    bool // Err is news for this path: log it once
}

// readStream reads what was appended to one stream since the last pass,
// within the time and byte bounds above.
func (c *logCache) readStream(key, path string) streamRead {
	c.mu.Lock()
	e := c.entries[key]
	if e == nil || e.path != path {
		old := e
		e = &logEntry{path: path, meter: &goodput.StepMeter{}}
		e.tail = &trainer.LogTail{Also: e.meter}
		if old != nil && old.busy {
			// The old file's read still hangs: leave it its entry.
			e.reported = old.reported
		}
		if c.entries == nil {
			c.entries = map[string]*logEntry{}
		}
		c.entries[key] = e
	}
	if e.busy {
		c.mu.Unlock()
		return streamRead{LogView: run.LogView{Path: path,
			Err: fmt.Errorf("read of %s started %s ago has not returned", path, time.Since(e.busyFrom).Round(time.Second))}}
	}
	e.busy, e.busyFrom = true, time.Now()
	timeout, limit, open := cmp.Or(c.timeout, logReadTimeout), cmp.Or(c.limit, logReadBytes), c.open
	c.mu.Unlock()
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
		r = streamRead{Abandoned: true, LogView: run.LogView{Path: path,
			Err: fmt.Errorf("read of %s did not return within %s; abandoned", path, timeout)}}
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

// fill puts a copy of what the tail parsed and the meter measured into r.
func (e *logEntry) fill(r *streamRead) {
	s, st := e.tail.Summary(), e.meter.Stats()
	r.Summary, r.Steps, r.ModTime = &s, &st, e.mod
	r.PrevModTime, r.PrevLastStep = e.prevMod, e.prevLast
}

// readLogOnce does the reading for readStream. It owns e's tail while
// e.busy is set.
func readLogOnce(e *logEntry, path string, open func(string) (*os.File, fs.FileInfo, error), limit int64) streamRead {
	var r streamRead
	r.Path = path
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
	if e.have && fi.Size() == e.tail.Offset() && fi.ModTime().Equal(e.mod) {
		e.fill(&r)
		return r
	}
	from := e.tail.Offset()
	if fi.Size() < from {
		from = 0 // truncated: the tail starts again
	}
	err = e.tail.Update(f, min(fi.Size(), from+limit))
	if e.have && !fi.ModTime().Equal(e.mod) {
		e.prevMod, e.prevLast = e.mod, e.last
	}
	e.have, e.mod = true, fi.ModTime()
	e.fill(&r)
	e.last = r.Summary.LastStep
	if err != nil {
		r.Err = err
	}
	return r
}

// openRegular opens a log for reading only if it is a regular file, and
// without blocking on a FIFO whose writer is missing (the name may be
// replaced between the stat and the open).
func openRegular(path string) (*os.File, fs.FileInfo, error) {
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

// observeLog reads the training log of the run's current job, and its
// error file when Slurm writes stderr elsewhere: failure hints and the
// time-limit line count from either.
func (s *Supervisor) observeLog(rc runConfig, st run.RunState) run.LogView {
	if st.Job == nil {
		return run.LogView{}
	}
	logPath, errPath := rc.jobLogPaths(st.Job)
	r := s.logs.readStream(rc.spec.Name+"/log", logPath)
	s.logUnreadable(rc.spec.Name, st.Job.ID, r)
	v := r.LogView
	if errPath != logPath {
		er := s.logs.readStream(rc.spec.Name+"/err", errPath)
		s.logUnreadable(rc.spec.Name, st.Job.ID, er)
		if es := er.Summary; es != nil {
			v.ErrLastLines = es.LastLines
			if v.Summary == nil {
				blank := (&trainer.LogTail{}).Summary()
				v.Summary = &blank
			}
			sum := *v.Summary
			sum.Hints = slices.Clone(sum.Hints)
			for _, h := range es.Hints {
				if !slices.Contains(sum.Hints, h) {
					sum.Hints = append(sum.Hints, h)
				}
			}
			v.Summary = &sum
		}
	}
	return v
}

// logUnreadable logs, once per file, that a log could not be read: not a
// regular file, a read error, or a read abandoned because it hung.
func (s *Supervisor) logUnreadable(runName, jobID string, r streamRead) {
	if !r.report {
		return
	}
	reason := run.ReasonLogError
	switch {
	case r.Abandoned:
		reason = run.ReasonLogReadTimeout
	case errors.Is(r.Err, errNotRegular):
		reason = run.ReasonLogNotRegular
	}
	e := run.NewEvent(run.EventLogUnreadable, runName, run.FieldJobID, jobID, run.FieldPath, r.Path, run.FieldReason, reason, run.FieldError, r.Err.Error())
	s.emitAndJournal(s.Now(), e)
}
