package lease

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// tempPrefix names the fully written files that claim links into place.
const tempPrefix = "." + LeaseFile + ".tmp"

// writeTemp writes h to a new fsynced temp file in dir and returns its
// path. os.CreateTemp creates it 0600.
func writeTemp(dir string, h Holder) (string, error) {
	data, err := encodeHolder(h)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, tempPrefix)
	if err != nil {
		return "", fmt.Errorf("lease: %w", err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("lease: write %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// takeAside renames lease.json to a name private to this process and
// returns that name if the file is one that want accepts. Otherwise it
// links the file back into place, so that a lease renewed or taken over
// between our read and our rename is not lost, and returns "". Renaming
// first and checking after is what makes the check race-free: once moved,
// nobody else can change the file under that name.
func (l *Lease) takeAside(want func(Holder) bool) (string, error) {
	aside := fmt.Sprintf("%s.aside.%s.%d", l.path, strings.ReplaceAll(l.opt.Host, "/", "_"), l.opt.PID)
	if err := os.Rename(l.path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("lease: %w", err)
	}
	// A corrupt lease reads as a Holder with only Heartbeat set, which is
	// what a taker judged it by, and which a releasing owner never matches.
	cur, _, err := readLease(aside)
	if err == nil && want(cur) {
		return aside, nil
	}
	if err := os.Link(aside, l.path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("lease: put back %s: %w", l.path, err)
	}
	// Either it is back, or a newer lease already took the place and the
	// one we moved has lost (its holder's Renew will say so).
	os.Remove(aside)
	return "", nil
}

// leftoverAge is how old a temp or aside file must be before Acquire
// removes it as left behind by a crash; far longer than any of them lives.
const leftoverAge = 10 * time.Minute

// removeLeftovers removes temp and aside files that a crash left in dir.
// Failing to remove them is harmless clutter and is ignored. File times
// are real times, so this uses the real clock, not Options.Now.
func removeLeftovers(dir string) {
	now := time.Now()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		rest, renameioTemp := strings.CutPrefix(name, "."+LeaseFile)
		renameioTemp = renameioTemp && rest != "" && strings.Trim(rest, "0123456789") == ""
		if !renameioTemp && !strings.HasPrefix(name, tempPrefix) && !strings.HasPrefix(name, LeaseFile+".aside.") {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) > leftoverAge {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// held counts the leases this process holds or is about to link, so that
// a lease naming our own host and pid can be told apart from one left by
// an earlier process that had the same pid. A claim registers its holder
// before it links, so a concurrent Acquire in this process never mistakes
// a lease being created for a leftover.
var held = struct {
	sync.Mutex
	m map[heldKey]int
}{m: map[heldKey]int{}}

type heldKey struct {
	path    string
	host    string
	pid     int
	started int64
}

func keyOf(path string, h Holder) heldKey {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return heldKey{path, h.Host, h.PID, h.Started.UnixNano()}
}

// countHeld counts a holder in (delta 1) or out (delta -1).
func countHeld(path string, h Holder, delta int) {
	held.Lock()
	defer held.Unlock()
	k := keyOf(path, h)
	if held.m[k] += delta; held.m[k] <= 0 {
		delete(held.m, k)
	}
}

func heldInProcess(path string, h Holder) bool {
	held.Lock()
	defer held.Unlock()
	return held.m[keyOf(path, h)] > 0
}
