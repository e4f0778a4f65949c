package lease

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is the injected clock of the tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// withoutLocks plays a filesystem without locks (NFS without lockd), which
// is also how two login nodes look to each other when their flocks do not
// meet: the lease file alone decides.
func withoutLocks(t *testing.T) {
	t.Helper()
	old := flock
	flock = func(int, int) error { return syscall.ENOLCK }
	t.Cleanup(func() { flock = old })
}

func acquireT(t *testing.T, dir string, opt Options) *Lease {
	t.Helper()
	l, err := Acquire(dir, opt)
	if err != nil {
		t.Fatalf("Acquire(%s, pid %d): %v", opt.Host, opt.PID, err)
	}
	t.Cleanup(func() { l.Release() })
	return l
}

func wantHeld(t *testing.T, err error, host string, pid int) *HeldError {
	t.Helper()
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("Acquire = %v, want a *HeldError", err)
	}
	if held.Holder.Host != host || held.Holder.PID != pid {
		t.Errorf("HeldError names pid %d on %q, want pid %d on %q", held.Holder.PID, held.Holder.Host, pid, host)
	}
	return held
}

func TestSecondAcquireFromAnotherHostIsHeld(t *testing.T) {
	for _, locks := range []bool{true, false} {
		name := map[bool]string{true: "flock", false: "lease file only"}[locks]
		t.Run(name, func(t *testing.T) {
			if !locks {
				withoutLocks(t)
			}
			dir := t.TempDir()
			clock := newClock()
			acquireT(t, dir, Options{Host: "login1", PID: 4242, Now: clock.Now, Version: "v1.2.3"})
			clock.Advance(12 * time.Second)
			_, err := Acquire(dir, Options{Host: "login2", PID: 77, Now: clock.Now})
			held := wantHeld(t, err, "login1", 4242)
			want := "another nanosupervisord holds " + filepath.Join(dir, LeaseFile) + ": pid 4242 on host login1, heartbeat 12s ago"
			if got := err.Error(); got != want {
				t.Errorf("Error() = %q\nwant %q", got, want)
			}
			if held.Holder.Version != "v1.2.3" {
				t.Errorf("holder version = %q, want v1.2.3", held.Holder.Version)
			}
		})
	}
}

func TestStaleHeartbeatIsTakenOver(t *testing.T) {
	withoutLocks(t)
	dir := t.TempDir()
	clock := newClock()
	old := acquireT(t, dir, Options{Host: "login1", PID: 4242, Now: clock.Now})
	clock.Advance(DefaultTTL + time.Second)
	l := acquireT(t, dir, Options{Host: "login2", PID: 77, Now: clock.Now})

	h, found := onDisk(t, dir)
	if !found || h.Host != "login2" || h.PID != 77 {
		t.Errorf("lease.json = %+v, %v; want login2 pid 77", h, found)
	}
	if prev, why, ok := l.TookOver(); !ok || prev.Host != "login1" || why != "heartbeat 1m31s ago, TTL 1m30s" {
		t.Errorf("TookOver() = %+v, %q, %v; want login1, heartbeat 1m31s ago", prev, why, ok)
	}
	if _, _, ok := old.TookOver(); ok {
		t.Error("the first holder took nothing over, but TookOver says it did")
	}
	if err := old.Renew(); !errors.Is(err, ErrLost) {
		t.Errorf("old holder's Renew = %v, want ErrLost", err)
	}
	if err := old.Renew(); !errors.Is(err, ErrLost) {
		t.Errorf("old holder's second Renew = %v, want ErrLost again", err)
	}
	stale, _, err := readLease(filepath.Join(dir, StaleFile))
	if err != nil || stale.Host != "login1" {
		t.Errorf("%s = %+v, %v; want the old lease of login1", StaleFile, stale, err)
	}
	// The old holder's Release must not remove the new holder's lease.
	if err := old.Release(); err != nil {
		t.Errorf("old holder's Release = %v", err)
	}
	if h, found := onDisk(t, dir); !found || h.Host != "login2" {
		t.Errorf("after the old holder's Release, lease.json = %+v, %v; want login2 still", h, found)
	}
	if err := l.Renew(); err != nil {
		t.Errorf("new holder's Renew = %v", err)
	}
}

func TestRenewKeepsLeaseFresh(t *testing.T) {
	withoutLocks(t)
	dir := t.TempDir()
	clock := newClock()
	l := acquireT(t, dir, Options{Host: "login1", PID: 4242, Now: clock.Now})
	for range 3 {
		clock.Advance(60 * time.Second)
		if err := l.Renew(); err != nil {
			t.Fatal(err)
		}
	}
	h, _ := onDisk(t, dir)
	if want := t0.Add(180 * time.Second); !h.Heartbeat.Equal(want) || !h.Started.Equal(t0) {
		t.Errorf("lease started %v, heartbeat %v; want %v, %v", h.Started, h.Heartbeat, t0, want)
	}
	if got, want := l.Expires(), t0.Add(180*time.Second+DefaultTTL); !got.Equal(want) {
		t.Errorf("Expires() = %v, want %v", got, want)
	}
	clock.Advance(60 * time.Second) // 240s after start, 60s after the heartbeat
	_, err := Acquire(dir, Options{Host: "login2", PID: 77, Now: clock.Now})
	if held := wantHeld(t, err, "login1", 4242); held.Age != 60*time.Second {
		t.Errorf("HeldError.Age = %v, want 60s", held.Age)
	}
	checkMode(t, filepath.Join(dir, LeaseFile), 0o600)
}

func TestSameHostDeadPIDIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	dead := exitedPID(t)
	clock := newClock()
	writeLease(t, dir, Holder{Host: host, PID: dead, Started: t0, Heartbeat: t0})
	l := acquireT(t, dir, Options{Now: clock.Now})
	if got := heldBy(l).PID; got != os.Getpid() {
		t.Errorf("holder pid = %d, want ours %d", got, os.Getpid())
	}
	if stale, _, err := readLease(filepath.Join(dir, StaleFile)); err != nil || stale.PID != dead {
		t.Errorf("%s = %+v, %v; want the dead pid %d", StaleFile, stale, err, dead)
	}
	prev, why, ok := l.TookOver()
	if wantWhy := fmt.Sprintf("pid %d is not running on this host", dead); !ok || prev.PID != dead || why != wantWhy {
		t.Errorf("TookOver() = %+v, %q, %v; want pid %d, %q", prev, why, ok, dead, wantWhy)
	}
}

func TestSameHostLivePIDIsHeld(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	live := os.Getppid() // whoever started the test binary is alive
	writeLease(t, dir, Holder{Host: host, PID: live, Started: t0, Heartbeat: t0})
	_, err := Acquire(dir, Options{Now: newClock().Now})
	wantHeld(t, err, host, live)
}

// A lease naming our own host and pid that this process does not hold was
// left by an earlier process with the same pid (pids repeat after reboots).
func TestOwnPIDFromEarlierProcessIsTakenOver(t *testing.T) {
	withoutLocks(t)
	dir := t.TempDir()
	writeLease(t, dir, Holder{Host: "login1", PID: 4242, Started: t0.Add(-time.Hour), Heartbeat: t0})
	l := acquireT(t, dir, Options{Host: "login1", PID: 4242, Now: newClock().Now})
	if !heldBy(l).Started.Equal(t0) {
		t.Errorf("holder started %v, want a fresh lease at %v", heldBy(l).Started, t0)
	}
	// The same process asking again, while it holds the lease, is refused.
	_, err := Acquire(dir, Options{Host: "login1", PID: 4242, Now: newClock().Now})
	wantHeld(t, err, "login1", 4242)
}

func TestReleaseThenAcquire(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release = %v, want nil", err)
	}
	if _, found := onDisk(t, dir); found {
		t.Error("lease.json still present after Release")
	}
	if err := l.Renew(); err == nil {
		t.Error("Renew after Release = nil, want an error")
	}
	l2 := acquireT(t, dir, Options{})
	if h, found := onDisk(t, dir); !found || !h.sameOwner(heldBy(l2)) {
		t.Errorf("lease.json = %+v, want the new lease %+v", h, heldBy(l2))
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err != nil {
		t.Errorf("lock file: %v; it must never be removed", err)
	}
}

// A corrupt lease file blocks others like a lease whose heartbeat is its
// modification time, and is taken over once that is older than the TTL.
func TestCorruptLeaseFile(t *testing.T) {
	withoutLocks(t)
	dir := t.TempDir()
	path := filepath.Join(dir, LeaseFile)
	if err := os.WriteFile(path, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, t0, t0); err != nil {
		t.Fatal(err)
	}
	clock := newClock()
	_, err := Acquire(dir, Options{Host: "login2", PID: 77, Now: clock.Now})
	if held := wantHeld(t, err, "", 0); !strings.Contains(held.Error(), "holder not recorded") {
		t.Errorf("Error() = %q, want it to say the holder is not recorded", held.Error())
	}
	clock.Advance(DefaultTTL + time.Second)
	acquireT(t, dir, Options{Host: "login2", PID: 77, Now: clock.Now})
}

func TestOptionsDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	before := time.Now()
	l := acquireT(t, dir, Options{})
	h := heldBy(l)
	host, _ := os.Hostname()
	if h.Host != host || h.PID != os.Getpid() || h.Started.Before(before.Add(-time.Second)) {
		t.Errorf("holder = %+v, want host %s pid %d started now", h, host, os.Getpid())
	}
	if got := l.Expires().Sub(h.Heartbeat); got != DefaultTTL {
		t.Errorf("TTL = %v, want %v", got, DefaultTTL)
	}
	checkMode(t, dir, 0o700|os.ModeDir)
	checkMode(t, filepath.Join(dir, LockFile), 0o600)
	checkMode(t, filepath.Join(dir, LeaseFile), 0o600)
	if _, err := Acquire(t.TempDir(), Options{TTL: -time.Second}); err == nil {
		t.Error("Acquire with a negative TTL = nil error")
	}
}

func TestHeldErrorMessage(t *testing.T) {
	tests := []struct {
		err  HeldError
		want string
	}{
		{HeldError{Holder: Holder{Host: "login2", PID: 123}, Path: "s/lease.json", Age: 12*time.Second + 300*time.Millisecond},
			"another nanosupervisord holds s/lease.json: pid 123 on host login2, heartbeat 12s ago"},
		{HeldError{Holder: Holder{Host: "n1", PID: 5}, Path: "p", Age: 90 * time.Minute},
			"another nanosupervisord holds p: pid 5 on host n1, heartbeat 1h30m0s ago"},
		{HeldError{Holder: Holder{Host: "n1", PID: 5}, Path: "p", Age: -3 * time.Second},
			"another nanosupervisord holds p: pid 5 on host n1, heartbeat 0s ago"},
		{HeldError{Path: "p"},
			"another nanosupervisord holds p: holder not recorded (lease file missing or unreadable, lock held)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant %q", got, tt.want)
		}
	}
}

// Acquire clears the temp and aside files a crash left behind, once they
// are old enough that no process can still be using them; the stale
// lease kept for inspection stays.
func TestAcquireRemovesOldLeftovers(t *testing.T) {
	dir := t.TempDir()
	old, fresh := time.Now().Add(-time.Hour), time.Now()
	files := []struct {
		name     string
		age      time.Time
		wantGone bool
	}{
		{".lease.json.tmp123", old, true},
		{".lease.json456", old, true},
		{"lease.json.aside.login1.42", old, true},
		{".lease.json.tmp789", fresh, false},
		{"lease.json.aside.login2.43", fresh, false},
		{StaleFile, old, false},
		{".lease.jsonX", old, false},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, f.age, f.age); err != nil {
			t.Fatal(err)
		}
	}
	acquireT(t, dir, Options{})
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if gone := errors.Is(err, fs.ErrNotExist); gone != f.wantGone {
			t.Errorf("%s removed = %v, want %v", f.name, gone, f.wantGone)
		}
	}
}

// heldBy is what lease.json says while l holds it.
func heldBy(l *Lease) Holder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}
