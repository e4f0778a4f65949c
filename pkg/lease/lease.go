package lease

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
)

// DefaultTTL is how long a lease stays valid without a heartbeat. Renew
// should run every TTL/3 or so, so that one slow NFS round trip does not
// cost the lease.
const DefaultTTL = 90 * time.Second

// dirMode and fileMode keep the lease private to its user.
const (
	dirMode  os.FileMode = 0o700
	fileMode os.FileMode = 0o600
)

// Options configures Acquire. Zero fields take their defaults.
type Options struct {
	TTL     time.Duration    // default DefaultTTL
	Now     func() time.Time // default time.Now
	Host    string           // default os.Hostname()
	PID     int              // default os.Getpid()
	Version string           // written into lease.json, for people inspecting it
}

func (o Options) withDefaults() (Options, error) {
	if o.TTL < 0 {
		return o, fmt.Errorf("lease: negative TTL %s", o.TTL)
	}
	o.TTL, o.PID = cmp.Or(o.TTL, DefaultTTL), cmp.Or(o.PID, os.Getpid())
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Host == "" {
		host, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("lease: hostname: %w", err)
		}
		o.Host = host
	}
	return o, nil
}

// Lease is a held lease. Renew and Release may be called from different
// goroutines.
type Lease struct {
	dir  string
	path string // dir/lease.json
	opt  Options

	mu       sync.Mutex
	lock     *os.File // dir/lock, flocked; nil where the filesystem has no locks
	holder   Holder   // what lease.json says while we hold it
	prev     Holder   // the stale lease taken over by Acquire, if any
	prevWhy  string   // why it was stale; "" when nothing was taken over
	lost     bool
	released bool
}

// Acquire takes the lease in dir (created 0700 if missing), or returns a
// *HeldError naming the holder when another live process has it.
func Acquire(dir string, opt Options) (*Lease, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("lease: create directory: %w", err)
	}
	l := &Lease{dir: dir, path: filepath.Join(dir, LeaseFile), opt: opt}
	atomicfile.RemoveStale(dir, isLeftover)
	lock, err := lockDir(dir)
	if errors.Is(err, errLocked) {
		return nil, l.heldError(opt.Now())
	}
	if err != nil {
		return nil, err
	}
	l.lock = lock
	if err := l.claim(); err != nil {
		l.unlock()
		return nil, err
	}
	return l, nil
}

// claim creates lease.json naming us, taking over a stale lease once.
func (l *Lease) claim() error {
	now := l.opt.Now().Round(0)
	h := Holder{Host: l.opt.Host, PID: l.opt.PID, Started: now, Heartbeat: now, Version: l.opt.Version}
	tmp, err := writeTemp(l.dir, h)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	countHeld(l.path, h, 1)
	claimed := false
	defer func() {
		if !claimed {
			countHeld(l.path, h, -1)
		}
	}()
	for attempt := 0; ; attempt++ {
		err := os.Link(tmp, l.path)
		if err == nil {
			if err := atomicfile.SyncDir(l.dir); err != nil {
				os.Remove(l.path) // not durably ours: leave no lease naming us
				return err
			}
			l.holder, claimed = h, true
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("lease: create %s: %w", l.path, err)
		}
		cur, _, err := readLease(l.path)
		if errors.Is(err, fs.ErrNotExist) && attempt == 0 {
			continue // released between our link and our read
		}
		if err != nil {
			return err
		}
		why := l.staleReason(cur, now)
		if attempt > 0 || why == "" {
			return &HeldError{Holder: cur, Path: l.path, Age: now.Sub(cur.Heartbeat)}
		}
		aside, err := l.takeAside(cur.sameLease)
		if err != nil {
			return err
		}
		if aside == "" {
			return l.heldError(now) // someone else moved or renewed it first
		}
		if err := os.Rename(aside, filepath.Join(l.dir, StaleFile)); err != nil {
			os.Remove(aside)
		}
		l.prev, l.prevWhy = cur, why
	}
}

// staleReason says why the lease cur may be taken over, or "" if it may
// not.
func (l *Lease) staleReason(cur Holder, now time.Time) string {
	if age := now.Sub(cur.Heartbeat); age > l.opt.TTL {
		return fmt.Sprintf("heartbeat %s ago, TTL %s", age.Round(time.Second), l.opt.TTL)
	}
	if cur.Host != l.opt.Host || cur.Host == "" {
		return ""
	}
	if cur.PID == l.opt.PID {
		// Our own pid: either a Lease this process holds, or a lease left
		// by an earlier process that had the same pid (pids repeat after a
		// reboot, and systemd starts services in a stable order).
		if heldInProcess(l.path, cur) {
			return ""
		}
		return fmt.Sprintf("left by an earlier process with pid %d", cur.PID)
	}
	if !processAlive(cur.PID) {
		return fmt.Sprintf("pid %d is not running on this host", cur.PID)
	}
	return ""
}

// heldError describes the current holder of lease.json, as well as it can
// be read.
func (l *Lease) heldError(now time.Time) *HeldError {
	cur, corrupt, err := readLease(l.path)
	if err != nil || corrupt != nil {
		return &HeldError{Path: l.path}
	}
	return &HeldError{Holder: cur, Path: l.path, Age: now.Sub(cur.Heartbeat)}
}

// TookOver reports the stale lease that Acquire replaced, and why it was
// stale ("heartbeat 2m0s ago, TTL 1m30s", "pid 123 is not running on
// this host"), so that the daemon can say so in its log.
func (l *Lease) TookOver() (prev Holder, reason string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.prev, l.prevWhy, l.prevWhy != ""
}

// Expires is when others may take the lease over unless Renew succeeds
// before: the caller must not act after it.
func (l *Lease) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expiresLocked()
}

func (l *Lease) expiresLocked() time.Time { return l.holder.Heartbeat.Add(l.opt.TTL) }

// Renew writes a fresh heartbeat. It returns an error wrapping ErrLost if
// lease.json no longer names this process (the caller must stop acting);
// other errors (an NFS hiccup) leave the lease held until Expires.
func (l *Lease) Renew() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.released:
		return fmt.Errorf("lease: renew %s: already released", l.path)
	case l.lost:
		return fmt.Errorf("lease: renew %s: %w", l.path, ErrLost)
	}
	cur, corrupt, err := readLease(l.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lease: renew: %w", err)
	}
	if err != nil || corrupt != nil || !cur.sameOwner(l.holder) {
		l.lost = true
		return fmt.Errorf("lease: renew %s: %w (%s)", l.path, ErrLost, describe(cur, err, corrupt))
	}
	next := l.holder
	next.Heartbeat = l.opt.Now().Round(0)
	data, err := encodeHolder(next)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(l.path, data, fileMode); err != nil {
		return err
	}
	l.holder = next
	return nil
}

// describe says who holds the lease file now, for ErrLost messages.
func describe(cur Holder, err, corrupt error) string {
	switch {
	case err != nil:
		return "lease file removed"
	case corrupt != nil:
		return "lease file unreadable: " + corrupt.Error()
	default:
		return fmt.Sprintf("now held by pid %d on host %s", cur.PID, cur.Host)
	}
}

// Release removes lease.json if it still names this process, then drops
// the lock. A lease already taken over is left alone; that is not an
// error, since there is nothing left to release.
func (l *Lease) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	l.released = true
	defer countHeld(l.path, l.holder, -1)
	var err error
	if !l.lost {
		var aside string
		aside, err = l.takeAside(l.holder.sameOwner)
		if aside != "" {
			err = errors.Join(os.Remove(aside), atomicfile.SyncDir(l.dir))
		}
	}
	if err = errors.Join(err, l.unlock()); err != nil {
		return fmt.Errorf("lease: release: %w", err)
	}
	return nil
}

// unlock closes the lock file, which drops the flock.
func (l *Lease) unlock() error {
	if l.lock == nil {
		return nil
	}
	err := l.lock.Close()
	l.lock = nil
	return err
}
