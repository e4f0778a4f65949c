package ckpt

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// rescanRig is one checkpoint directory with steps 900 and 1000 (one rank),
// scanned once at now: both steps verified and cached.
type rescanRig struct {
	t      *testing.T
	c      *Cache
	dir    string
	dirMod time.Time
	now    time.Time
}

func newRescanRig(t *testing.T) *rescanRig {
	t.Helper()
	dir := t.TempDir()
	for _, step := range []int{900, 1000} {
		if err := ckpttest.WriteStep(dir, step, 1, 0.9); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &rescanRig{t: t, c: &Cache{}, dir: dir, dirMod: fi.ModTime(), now: time.Now().Add(time.Hour)}
	if got := r.newest(); got != 1000 {
		t.Fatalf("first scan: newest %d, want 1000", got)
	}
	return r
}

// scan scans the directory as the daemon does.
func (r *rescanRig) scan() Report {
	r.t.Helper()
	rep, err := r.c.Scan(r.dir, Options{Ranks: 1, Now: r.now, SettleTime: Settle, Newest: 2})
	if err != nil {
		r.t.Fatalf("scan: %v", err)
	}
	return rep
}

// newest is the newest complete step of a scan, -1 if none.
func (r *rescanRig) newest() int {
	r.t.Helper()
	if s, ok := r.scan().NewestComplete(); ok {
		return s.Step
	}
	return -1
}

// lagDirMod puts the directory's mtime back where it was, as a network
// filesystem that has not caught up yet would show it.
func (r *rescanRig) lagDirMod() {
	r.t.Helper()
	if err := os.Chtimes(r.dir, r.dirMod, r.dirMod); err != nil {
		r.t.Fatal(err)
	}
}

type cacheCounts struct{ scans, rechecks int }

func (r *rescanRig) counts() cacheCounts { return countsOf(r.c) }

func countsOf(c *Cache) cacheCounts {
	scans, rechecks := c.Counts()
	return cacheCounts{scans, rechecks}
}

// TestRescanReverifiesStepRewrittenInPlace: a step's file rewritten in
// place leaves the directory's mtime alone; the periodic rescan must see
// the new size or mtime and verify the step again.
func TestRescanReverifiesStepRewrittenInPlace(t *testing.T) {
	tests := []struct {
		name    string
		rewrite func(t *testing.T, path string)
	}{
		{"torn to a smaller size, mtime kept", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"same size, new content, new mtime", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, make([]byte, fi.Size()), 0o644); err != nil {
				t.Fatal(err)
			}
			later := fi.ModTime().Add(time.Second)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRescanRig(t)
			tt.rewrite(t, filepath.Join(r.dir, ModelName(1000)))
			r.lagDirMod()
			r.now = r.now.Add(Rescan)
			rep := r.scan()
			newest, _ := rep.NewestComplete()
			torn, _ := rep.Step(1000)
			if newest.Step != 900 || torn.Complete || len(rep.Steps) != 2 {
				t.Errorf("after step 1000's model was rewritten: newest %d, steps %+v; want 900 and step 1000 torn", newest.Step, rep.Steps)
			}
			if got := r.counts().scans; got != 2 {
				t.Errorf("verifying scans %d, want 2 (the first and the rescan)", got)
			}
		})
	}
}

// TestRescanOfUnchangedDirectoryVerifiesNothing: when nothing changed, the
// periodic rescan compares names, sizes and mtimes and opens nothing; a
// name that appeared while the directory's mtime lagged is still seen.
func TestRescanOfUnchangedDirectoryVerifiesNothing(t *testing.T) {
	r := newRescanRig(t)
	for i := range 3 {
		r.now = r.now.Add(Rescan)
		if got := r.newest(); got != 1000 {
			t.Fatalf("rescan %d: newest %d, want 1000", i+1, got)
		}
	}
	if got, want := r.counts(), (cacheCounts{scans: 1, rechecks: 3}); got != want {
		t.Errorf("after three rescans of an unchanged directory: %+v, want %+v", got, want)
	}

	if err := ckpttest.WriteStep(r.dir, 1100, 1, 0.8); err != nil {
		t.Fatal(err)
	}
	r.lagDirMod()
	r.now = r.now.Add(Rescan)
	if got := r.newest(); got != 1100 {
		t.Errorf("step 1100 written while the directory's mtime lags: newest %d, want 1100", got)
	}
	if got := r.counts().scans; got != 2 {
		t.Errorf("verifying scans %d, want 2", got)
	}
}

// TestRescanWithinPeriodTrustsCache: between rescans the cached verdict
// stands, even for a file rewritten in place (that is what the rescan is
// for), and nothing is listed.
func TestRescanWithinPeriodTrustsCache(t *testing.T) {
	r := newRescanRig(t)
	phase := rescanPhase(r.dir)
	// The next pass in the same rescan period as the first scan.
	start := rescanPeriod(r.now, phase).Add(phase + Rescan)
	r.now = start.Add(-Rescan + time.Second)
	r.c = &Cache{}
	r.scan()
	r.now = start.Add(-time.Second)
	if got := r.newest(); got != 1000 {
		t.Fatalf("newest %d, want 1000", got)
	}
	if got, want := r.counts(), (cacheCounts{scans: 1}); got != want {
		t.Errorf("two passes in one rescan period: %+v, want %+v", got, want)
	}
	r.now = start
	r.scan()
	if got, want := r.counts(), (cacheCounts{scans: 1, rechecks: 1}); got != want {
		t.Errorf("first pass of the next period: %+v, want %+v", got, want)
	}
}

// TestRescansSpreadAcrossPasses: directories first scanned in the same
// pass (all of them, after a start) fall due for their rescans in
// different passes, each exactly once per Rescan.
func TestRescansSpreadAcrossPasses(t *testing.T) {
	const n, poll = 200, 2 * time.Minute
	root := t.TempDir()
	c := &Cache{}
	var dirs []string
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("run%03d", i), "checkpoints")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := ckpttest.WriteStep(dir, 100, 1, 0.9); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	now := time.Now().Add(time.Hour)
	pass := func() int {
		before := countsOf(c).rechecks
		for _, dir := range dirs {
			rep, err := c.Scan(dir, Options{Ranks: 1, Now: now, SettleTime: Settle, Newest: 2})
			if s, ok := rep.NewestComplete(); !ok || s.Step != 100 || err != nil {
				t.Fatalf("%s: newest %d, err %v; want 100", dir, s.Step, err)
			}
		}
		return countsOf(c).rechecks - before
	}
	pass()
	perPeriod := int(Rescan / poll)
	var got []int
	for range 3 * perPeriod {
		now = now.Add(poll)
		got = append(got, pass())
	}
	for i, c := range got {
		if limit := 2 * n / perPeriod; c > limit {
			t.Errorf("pass %d rechecked %d directories, want at most %d (rechecks per pass: %v)", i+1, c, limit, got)
		}
		if i+1 < perPeriod {
			continue
		}
		sum := 0
		for _, c := range got[i+1-perPeriod : i+1] {
			sum += c
		}
		if sum != n {
			t.Errorf("passes %d-%d rechecked %d directories, want each of the %d once (rechecks per pass: %v)", i+2-perPeriod, i+1, sum, n, got)
		}
	}
	if got := countsOf(c).scans; got != n {
		t.Errorf("verifying scans %d, want %d: nothing changed after the first", got, n)
	}
}

// TestRescanOfUnstattableFileVerifies: a listed file that could not be
// stat'ed (here a symlink to a shard not there yet) leaves nothing to
// compare, so the rescan verifies again and sees the step once the shard
// is there, though no name in the directory changed.
func TestRescanOfUnstattableFileVerifies(t *testing.T) {
	r := newRescanRig(t)
	shard := filepath.Join(r.dir, OptimName(1000, 0))
	elsewhere := filepath.Join(t.TempDir(), "shard.pt")
	data, err := os.ReadFile(shard)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(shard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, shard); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	if got := r.newest(); got != 900 {
		t.Fatalf("shard of step 1000 a dangling symlink: newest %d, want 900", got)
	}
	if err := os.WriteFile(elsewhere, data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := r.now.Add(-time.Hour)
	if err := os.Chtimes(elsewhere, old, old); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(Rescan)
	if got := r.newest(); got != 1000 {
		t.Errorf("shard now there, directory unchanged: newest %d, want 1000", got)
	}
}

// BenchmarkCacheScan2000 is the daemon's verifying scan after a change, on
// issue 7's tree: Scan with Newest 2 plus what a later recheck compares
// against.
func BenchmarkCacheScan2000(b *testing.B) {
	dir := benchTree(b)
	now := time.Now().Add(time.Hour) // every file settled
	for b.Loop() {
		c := &Cache{}
		rep, err := c.Scan(dir, Options{Ranks: benchRanks, Now: now, SettleTime: Settle, Newest: 2})
		e := c.entries[dir]
		if err != nil || len(rep.Steps) != 2 || len(rep.Unverified) != benchSteps-2 || !e.comparable {
			b.Fatalf("Cache.Scan: %d verified, %d unverified, comparable %v, err %v", len(rep.Steps), len(rep.Unverified), e.comparable, err)
		}
	}
}
