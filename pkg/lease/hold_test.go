package lease

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// heartbeatOnDisk is the heartbeat lease.json holds now.
func heartbeatOnDisk(t *testing.T, dir string) time.Time {
	t.Helper()
	h, _ := onDisk(t, dir)
	return h.Heartbeat
}

// HoldUntil is the fence in front of sbatch: it must renew when the last
// heartbeat does not reach far enough, and refuse when it cannot prove the
// lease, whatever the reason.
func TestHoldUntil(t *testing.T) {
	withoutLocks(t)
	dir := t.TempDir()
	clock := newClock()
	l := acquireT(t, dir, Options{Host: "login1", PID: 4242, Now: clock.Now})
	margin := 75 * time.Second

	if err := l.HoldUntil(clock.Now().Add(margin)); err != nil {
		t.Fatalf("fresh lease: %v", err)
	}
	if got := heartbeatOnDisk(t, dir); !got.Equal(t0) {
		t.Errorf("a lease that reaches far enough was renewed (heartbeat %v); want it left at %v", got, t0)
	}

	clock.Advance(40 * time.Second) // expires in 50s, less than the margin
	if err := l.HoldUntil(clock.Now().Add(margin)); err != nil {
		t.Fatalf("after 40s: %v", err)
	}
	if got, want := heartbeatOnDisk(t, dir), clock.Now(); !got.Equal(want) {
		t.Errorf("heartbeat %v; want it renewed to %v", got, want)
	}

	if err := l.HoldUntil(clock.Now().Add(DefaultTTL + time.Second)); err == nil {
		t.Errorf("HoldUntil beyond the TTL succeeded; a fresh heartbeat cannot reach that far")
	}

	// A renewal that fails (here lease.json cannot be read) proves nothing,
	// however likely it is that the lease is still ours.
	clock.Advance(40 * time.Second)
	path := filepath.Join(dir, LeaseFile)
	if err := os.Rename(path, path+".aside"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := l.HoldUntil(clock.Now().Add(margin)); err == nil || errors.Is(err, ErrLost) {
		t.Errorf("renewal failing: HoldUntil = %v; want an error that is not ErrLost", err)
	}
	os.Remove(path)
	if err := os.Rename(path+".aside", path); err != nil {
		t.Fatal(err)
	}
	if err := l.HoldUntil(clock.Now().Add(margin)); err != nil {
		t.Errorf("renewal working again: %v", err)
	}

	// Taken over: lost for good, even for a deadline the last heartbeat
	// would have covered.
	writeLease(t, dir, Holder{Host: "login2", PID: 77, Started: clock.Now(), Heartbeat: clock.Now()})
	clock.Advance(40 * time.Second)
	if err := l.HoldUntil(clock.Now().Add(margin)); !errors.Is(err, ErrLost) {
		t.Errorf("taken over: HoldUntil = %v; want ErrLost", err)
	}
	if err := l.HoldUntil(clock.Now()); !errors.Is(err, ErrLost) {
		t.Errorf("taken over, deadline now: HoldUntil = %v; want ErrLost", err)
	}
}
