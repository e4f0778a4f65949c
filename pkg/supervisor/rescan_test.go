package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// rescanRig is one checkpoint directory with steps 900 and 1000 (one rank),
// observed once at now: both steps verified and cached.
type rescanRig struct {
	t      *testing.T
	s      *Supervisor
	rc     runConfig
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
	r := &rescanRig{t: t, s: &Supervisor{}, rc: runConfig{Run: &config.Run{CheckpointDir: dir, Ranks: 1}},
		dir: dir, dirMod: fi.ModTime(), now: time.Now().Add(time.Hour)}
	if v := r.observe(); v.Newest != 1000 {
		t.Fatalf("first scan: newest %d, want 1000", v.Newest)
	}
	return r
}

func (r *rescanRig) observe() run.CkptView {
	r.t.Helper()
	v := r.s.observeCkpt(r.rc, r.now, settleTime)
	if v.Err != nil {
		r.t.Fatalf("observe: %v", v.Err)
	}
	return v
}

// lagDirMod puts the directory's mtime back where it was, as a network
// filesystem that has not caught up yet would show it.
func (r *rescanRig) lagDirMod() {
	r.t.Helper()
	if err := os.Chtimes(r.dir, r.dirMod, r.dirMod); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rescanRig) counts() ckptCounts { return r.s.ckptCounts() }

func (s *Supervisor) ckptCounts() ckptCounts {
	s.ckpts.mu.Lock()
	defer s.ckpts.mu.Unlock()
	return s.ckpts.counts
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
			tt.rewrite(t, filepath.Join(r.dir, ckpt.ModelName(1000)))
			r.lagDirMod()
			r.now = r.now.Add(rescanEvery)
			v := r.observe()
			if v.Newest != 900 || len(v.Incomplete) != 1 || v.Incomplete[0].Step != 1000 {
				t.Errorf("after step 1000's model was rewritten: newest %d, incomplete %+v; want 900 and step 1000 torn", v.Newest, v.Incomplete)
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
		r.now = r.now.Add(rescanEvery)
		if v := r.observe(); v.Newest != 1000 {
			t.Fatalf("rescan %d: newest %d, want 1000", i+1, v.Newest)
		}
	}
	if got, want := r.counts(), (ckptCounts{scans: 1, rechecks: 3}); got != want {
		t.Errorf("after three rescans of an unchanged directory: %+v, want %+v", got, want)
	}

	if err := ckpttest.WriteStep(r.dir, 1100, 1, 0.8); err != nil {
		t.Fatal(err)
	}
	r.lagDirMod()
	r.now = r.now.Add(rescanEvery)
	if v := r.observe(); v.Newest != 1100 {
		t.Errorf("step 1100 written while the directory's mtime lags: newest %d, want 1100", v.Newest)
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
	start := time.Unix(0, 0).Add(phase).Add(time.Duration(rescanPeriod(r.now, phase)+1) * rescanEvery)
	r.now = start.Add(-rescanEvery + time.Second)
	r.s = &Supervisor{}
	r.observe()
	r.now = start.Add(-time.Second)
	if v := r.observe(); v.Newest != 1000 {
		t.Fatalf("newest %d, want 1000", v.Newest)
	}
	if got, want := r.counts(), (ckptCounts{scans: 1}); got != want {
		t.Errorf("two passes in one rescan period: %+v, want %+v", got, want)
	}
	r.now = start
	r.observe()
	if got, want := r.counts(), (ckptCounts{scans: 1, rechecks: 1}); got != want {
		t.Errorf("first pass of the next period: %+v, want %+v", got, want)
	}
}

// TestRescansSpreadAcrossPasses: directories first scanned in the same
// pass (all of them, after a start) fall due for their rescans in
// different passes, each exactly once per rescanEvery.
func TestRescansSpreadAcrossPasses(t *testing.T) {
	const n, poll = 200, 2 * time.Minute
	root := t.TempDir()
	s := &Supervisor{}
	var runs []runConfig
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("run%03d", i), "checkpoints")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := ckpttest.WriteStep(dir, 100, 1, 0.9); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, runConfig{Run: &config.Run{CheckpointDir: dir, Ranks: 1}})
	}
	now := time.Now().Add(time.Hour)
	pass := func() int {
		before := s.ckptCounts().rechecks
		for _, rc := range runs {
			if v := s.observeCkpt(rc, now, settleTime); v.Newest != 100 || v.Err != nil {
				t.Fatalf("%s: newest %d, err %v; want 100", rc.CheckpointDir, v.Newest, v.Err)
			}
		}
		return s.ckptCounts().rechecks - before
	}
	pass()
	perPeriod := int(rescanEvery / poll)
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
	if got := s.ckptCounts().scans; got != n {
		t.Errorf("verifying scans %d, want %d: nothing changed after the first", got, n)
	}
}

// TestRescanOfUnstattableFileVerifies: a listed file that could not be
// stat'ed (here a symlink to a shard not there yet) leaves nothing to
// compare, so the rescan verifies again and sees the step once the shard
// is there, though no name in the directory changed.
func TestRescanOfUnstattableFileVerifies(t *testing.T) {
	r := newRescanRig(t)
	shard := filepath.Join(r.dir, ckpt.OptimName(1000, 0))
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
	if v := r.observe(); v.Newest != 900 {
		t.Fatalf("shard of step 1000 a dangling symlink: newest %d, want 900", v.Newest)
	}
	if err := os.WriteFile(elsewhere, data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := r.now.Add(-time.Hour)
	if err := os.Chtimes(elsewhere, old, old); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(rescanEvery)
	if v := r.observe(); v.Newest != 1000 {
		t.Errorf("shard now there, directory unchanged: newest %d, want 1000", v.Newest)
	}
}
