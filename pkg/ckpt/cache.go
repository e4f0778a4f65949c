package ckpt

import (
	"errors"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Rescan bounds how long a Cache trusts a verdict when the directory looks
// unchanged: network filesystems can lag on mtimes, and files rewritten in
// place leave the directory's mtime alone.
const Rescan = 10 * time.Minute

// Cache remembers the last scan of each checkpoint directory, so that a
// scan of an unchanged directory reads nothing but its metadata. Each
// directory has its own rescan phase, from a hash of its path, so the
// rescans of directories first scanned together (all of them, after a
// start) fall due at different times and stay apart. A rescan compares the
// names in the directory and the size and mtime of every verified file;
// only a difference verifies again.
type Cache struct {
	mu       sync.Mutex
	entries  map[string]cacheEntry
	scans    int // verifying scans
	rechecks int // rescans that found nothing changed
}

type cacheEntry struct {
	dirMod   time.Time
	checked  time.Time // when the verdict was last verified or rechecked
	opt      Options   // without Now
	rep      Report
	err      error
	settling bool // a step newer than the newest complete one was still being written
	// names and nameSum (order-independent) are the directory's listing.
	names   int
	nameSum uint64
	// comparable is false when a listed file of a verified step could not
	// be stat'ed (or the scan failed): then only a new scan can tell.
	comparable bool
}

// Scan scans the directory dir as Scan does, or returns the last scan when
// the directory's mtime has not moved, no step newer than the newest
// complete one was still being written, and, once the clock has left the
// rescan period of the last check (at most Rescan later), the names and
// verified files are as they were.
func (c *Cache) Scan(dir string, opt Options) (Report, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return Report{}, err
	}
	if !fi.IsDir() {
		return Report{}, &fs.PathError{Op: "scan", Path: dir, Err: errors.New("not a directory")}
	}
	key := opt
	key.Now = time.Time{}
	c.mu.Lock()
	e, ok := c.entries[dir]
	c.mu.Unlock()
	if ok && e.opt == key && e.dirMod.Equal(fi.ModTime()) && !e.settling {
		phase := rescanPhase(dir)
		due := !rescanPeriod(opt.Now, phase).Equal(rescanPeriod(e.checked, phase))
		if !due || e.unchanged(dir) {
			if due {
				e.checked = opt.Now
				c.mu.Lock()
				c.entries[dir] = e
				c.rechecks++
				c.mu.Unlock()
			}
			return e.rep, e.err
		}
	}
	rep, l, err := scan(os.DirFS(dir), opt)
	e = cacheEntry{dirMod: fi.ModTime(), checked: opt.Now, opt: key, rep: rep, err: err}
	if err == nil {
		e.settling = rep.settling(opt)
		e.seen(l)
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry{}
	}
	c.entries[dir] = e
	c.scans++
	c.mu.Unlock()
	return rep, err
}

// Counts returns the verifying scans made and the rescans that found
// nothing changed.
func (c *Cache) Counts() (scans, rechecks int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scans, c.rechecks
}

// Settling reports whether the step may still be being written: a file of
// it was modified within settle before now, or after now.
func (s Step) Settling(now time.Time, settle time.Duration) bool {
	return settle > 0 && now.Sub(s.ModTime) < settle
}

// settling reports whether a step newer than the newest complete one is.
func (r Report) settling(opt Options) bool {
	newest, ok := r.NewestComplete()
	for _, s := range r.Steps {
		if !s.Complete && (!ok || s.Step > newest.Step) && s.Settling(opt.Now, opt.SettleTime) {
			return true
		}
	}
	return false
}

// rescanPhase is the offset of dir's rescan periods, in [0, Rescan).
func rescanPhase(dir string) time.Duration {
	return time.Duration(nameHash(dir) % uint64(Rescan))
}

// rescanPeriod is the start of the rescan period that t falls in, less
// phase. The zero time, which Truncate counts from, is a whole number of
// periods before 1970.
func rescanPeriod(t time.Time, phase time.Duration) time.Time {
	return t.Add(-phase).Truncate(Rescan)
}

// nameHash is one name's share of cacheEntry.nameSum. Summing the shares
// makes the hash independent of listing order.
func nameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// seen records the listing of a scan. The entry is comparable only if
// every listed file of a verified step was stat'ed: a file that failed its
// stat is in the listing but not in the report.
func (e *cacheEntry) seen(l listing) {
	e.names = len(l.dirents)
	for _, d := range l.dirents {
		e.nameSum += nameHash(d.Name())
	}
	n := 0 // listed files of verified steps less those stat'ed
	for _, s := range l.steps {
		if len(e.rep.Steps) > 0 && s.step >= e.rep.Steps[0].Step {
			n += len(s.optim)
			for _, f := range []listedFile{s.model, s.meta} {
				if f.listed {
					n++
				}
			}
		}
	}
	for _, st := range e.rep.Steps {
		n -= len(st.Files)
	}
	e.comparable = n == 0
}

// unchanged reports whether dir still lists the same names and the
// verified files still have their size and mtime. It opens no checkpoint.
func (e cacheEntry) unchanged(dir string) bool {
	if !e.comparable {
		return false
	}
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil || len(names) != e.names {
		return false
	}
	var sum uint64
	for _, n := range names {
		sum += nameHash(n)
	}
	if sum != e.nameSum {
		return false
	}
	for _, st := range e.rep.Steps {
		for _, sf := range st.Files {
			fi, err := os.Stat(filepath.Join(dir, sf.Name))
			if err != nil || fi.Size() != sf.Size || !fi.ModTime().Equal(sf.ModTime) {
				return false
			}
		}
	}
	return true
}
