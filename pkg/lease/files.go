package lease

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
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
	if err := atomicfile.WriteSynced(f, data); err != nil {
		return "", fmt.Errorf("lease: %w", err)
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

// isLeftover reports whether name is a temp or aside file of this package
// or a temp file of atomicfile.WriteFile (Renew), which a crash may leave.
func isLeftover(name string) bool {
	return atomicfile.IsTemp(name, LeaseFile) || strings.HasPrefix(name, tempPrefix) || strings.HasPrefix(name, LeaseFile+".aside.")
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
