package lease

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestConcurrentAcquireHasOneWinner(t *testing.T) {
	withoutLocks(t)
	tests := []struct {
		name    string
		stale   bool
		samePID bool // every contender is this process: only the in-process registry tells them apart
	}{
		{"free", false, false},
		{"stale", true, false},
		{"same pid", false, true},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		clock := newClock()
		if tt.stale {
			writeLease(t, dir, Holder{Host: "gone", PID: 1, Started: t0.Add(-time.Hour), Heartbeat: t0.Add(-time.Hour)})
		}
		const n = 8
		leases := make([]*Lease, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				opt := Options{Host: "login" + string(rune('a'+i)), PID: 100 + i, Now: clock.Now}
				if tt.samePID {
					opt.Host, opt.PID = "login1", 100
				}
				l, err := Acquire(dir, opt)
				var held *HeldError
				if err != nil && !errors.As(err, &held) {
					t.Errorf("contender %d: %v", i, err)
				}
				leases[i] = l
			})
		}
		wg.Wait()
		// Several may have linked for a moment when a stale lease was being
		// replaced; exactly one may still renew, and it is the one lease.json names.
		var renewed []int
		for i, l := range leases {
			if l != nil && l.Renew() == nil {
				renewed = append(renewed, i)
			}
		}
		if len(renewed) != 1 {
			t.Fatalf("%s: %d contenders hold a renewable lease, want exactly 1", tt.name, len(renewed))
		}
		if h, _ := onDisk(t, dir); !h.sameOwner(heldBy(leases[renewed[0]])) {
			t.Errorf("%s: lease.json names %+v, want the winner %+v", tt.name, h, heldBy(leases[renewed[0]]))
		}
		for _, l := range leases {
			if l != nil {
				l.Release()
			}
		}
	}
}

// A taker that judged lease L stale, but finds that someone else replaced
// it by the time it renames it aside, must put the newer lease back.
func TestTakeAsideLeavesALeaseItDidNotJudge(t *testing.T) {
	dir := t.TempDir()
	judged := Holder{Host: "gone", PID: 1, Started: t0.Add(-time.Hour), Heartbeat: t0.Add(-time.Hour)}
	newer := Holder{Host: "login2", PID: 77, Started: t0, Heartbeat: t0}
	writeLease(t, dir, newer)
	taker := &Lease{dir: dir, path: filepath.Join(dir, LeaseFile), opt: Options{Host: "login3", PID: 88}}
	aside, err := taker.takeAside(judged.sameLease)
	if err != nil || aside != "" {
		t.Fatalf("takeAside = %q, %v; want nothing taken", aside, err)
	}
	if h, found := onDisk(t, dir); !found || !h.sameLease(newer) {
		t.Errorf("lease.json after takeAside = %+v, %v; want the newer lease back", h, found)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only lease.json", len(entries))
	}

	// The lease it judged is taken aside.
	writeLease(t, dir, judged)
	aside, err = taker.takeAside(judged.sameLease)
	if err != nil || aside == "" {
		t.Fatalf("takeAside of the judged lease = %q, %v; want it taken", aside, err)
	}
	if _, found := onDisk(t, dir); found {
		t.Error("lease.json still present after the judged lease was taken aside")
	}
}
