package ckpt

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// TestScanNewestFixtures: on the real torch.save fixtures, ScanNewest
// gives the same verdicts as Scan for every step it verifies, verifies the
// newest complete steps and everything newer, and lists the rest by name.
func TestScanNewestFixtures(t *testing.T) {
	full, err := ScanDir(fixtureDir, Options{Ranks: 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		want       int
		steps      []int
		unverified []int
	}{
		{want: 0, steps: []int{500, 1000, 1500, 2000, 2500}}, // 0: every step, as Scan
		{want: 1, steps: []int{1000, 1500, 2000, 2500}, unverified: []int{500}},
		{want: 2, steps: []int{500, 1000, 1500, 2000, 2500}},
		{want: 3, steps: []int{500, 1000, 1500, 2000, 2500}},
	}
	for _, tt := range tests {
		r, err := ScanDir(fixtureDir, Options{Ranks: 2, Newest: tt.want})
		if err != nil {
			t.Fatal(err)
		}
		var steps []int
		for _, s := range r.Steps {
			steps = append(steps, s.Step)
			if want, _ := full.Step(s.Step); !reflect.DeepEqual(s, want) {
				t.Errorf("want %d: step %d verdict %+v, Scan says %+v", tt.want, s.Step, s, want)
			}
		}
		if !slices.Equal(steps, tt.steps) || !slices.Equal(r.Unverified, tt.unverified) {
			t.Errorf("want %d: verified %v, unverified %v; want %v and %v", tt.want, steps, r.Unverified, tt.steps, tt.unverified)
		}
		if r.Dir != fixtureDir || r.Ranks != 2 || r.RanksInferred {
			t.Errorf("want %d: dir %q ranks %d inferred %v; want %q, 2, false", tt.want, r.Dir, r.Ranks, r.RanksInferred, fixtureDir)
		}
	}
}

// TestScanNewestOpensOnlyNewest: the files of older steps are never
// opened, and older steps count as complete by name only when every file
// is there: a torn older step is listed (it is not checked), one missing a
// shard is not.
func TestScanNewestOpensOnlyNewest(t *testing.T) {
	dir := t.TempDir()
	if err := ckpttest.WriteTree(dir, 6, 100, 2); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, ModelName(600)), 10); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, ModelName(200)), 10); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, OptimName(300, 1))); err != nil {
		t.Fatal(err)
	}
	mfs := &meteredFS{FS: os.DirFS(dir)}
	r, err := Scan(mfs, Options{Ranks: 2, Newest: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 2 || r.Steps[0].Step != 500 || !r.Steps[0].Complete || r.Steps[1].Step != 600 || r.Steps[1].Complete {
		t.Fatalf("verified steps %+v, want 500 complete and 600 torn", r.Steps)
	}
	if want := []int{100, 200, 400}; !slices.Equal(r.Unverified, want) {
		t.Errorf("unverified %v, want %v (200 torn but complete by name, 300 missing a shard)", r.Unverified, want)
	}
	for _, name := range mfs.opened() {
		if n, ok := ParseName(name); ok && n.Step < 500 {
			t.Errorf("opened %s of an older step", name)
		}
	}
}

// TestScanNewestNoComplete: without any complete step every step is
// verified and nothing is left unverified.
func TestScanNewestNoComplete(t *testing.T) {
	dir := t.TempDir()
	if err := ckpttest.WriteTree(dir, 3, 100, 1); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{100, 200, 300} {
		if err := os.Remove(filepath.Join(dir, MetaName(s))); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Scan(os.DirFS(dir), Options{Newest: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 3 || len(r.Unverified) != 0 {
		t.Errorf("verified %d steps, unverified %v; want 3 and none", len(r.Steps), r.Unverified)
	}
	if _, ok := r.NewestComplete(); ok {
		t.Error("a complete step without meta files")
	}
	if _, err := Scan(os.DirFS(dir), Options{Ranks: -1, Newest: 1}); err == nil {
		t.Error("ranks -1 accepted")
	}
}
