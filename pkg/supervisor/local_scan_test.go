package supervisor

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// TestScanView: the view verifies the two newest complete steps and
// everything after them, and lists older steps by file names alone.
func TestScanView(t *testing.T) {
	dir := t.TempDir()
	if err := ckpttest.WriteTree(dir, 6, 100, 2); err != nil {
		t.Fatal(err)
	}
	// 100 torn (older than the verified steps: listed by name anyway),
	// 300 missing a shard, 500 torn, 600 without meta.
	for _, f := range []string{ckpt.ModelName(100), ckpt.ModelName(500)} {
		if err := os.Truncate(filepath.Join(dir, f), 10); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{ckpt.OptimName(300, 1), ckpt.MetaName(600)} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	// Saved an hour ago: settled.
	old := time.Now().Add(-time.Hour)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(dir, e.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	v := scanView(t, dir, 2, time.Now())
	if v.Err != nil || v.Newest != 400 || v.NewestValBPB == nil || v.NewestBytes == 0 || v.Settling {
		t.Fatalf("view %+v; want newest 400 with its val_bpb and size, nothing settling", v)
	}
	var complete []int
	for _, c := range v.Complete {
		complete = append(complete, c.Step)
		if verified := c.Step >= 200; verified == c.ModTime.IsZero() {
			t.Errorf("step %d: mod time %v; want it set only for verified steps (200, 400)", c.Step, c.ModTime)
		}
	}
	if want := []int{100, 200, 400}; !reflect.DeepEqual(complete, want) {
		t.Errorf("complete steps %v, want %v", complete, want)
	}
	var incomplete []int
	for _, s := range v.Incomplete {
		incomplete = append(incomplete, s.Step)
	}
	if want := []int{500, 600}; !reflect.DeepEqual(incomplete, want) {
		t.Errorf("incomplete steps %v, want %v", incomplete, want)
	}

	// A step after the newest complete one, written just now, is still
	// being written: the view says so instead of calling it torn.
	if err := ckpttest.WriteStep(dir, 700, 2, 0.8); err != nil {
		t.Fatal(err)
	}
	if v := scanView(t, dir, 2, time.Now()); !v.Settling || v.Newest != 400 {
		t.Errorf("with step 700 just written: settling %v, newest %d; want true, 400", v.Settling, v.Newest)
	}
}

// scanView is the daemon's view of the directory dir.
func scanView(t *testing.T, dir string, ranks int, now time.Time) run.CkptView {
	t.Helper()
	rep, err := ckpt.Scan(os.DirFS(dir), ckpt.Options{Ranks: ranks, Now: now, SettleTime: ckpt.Settle, Newest: 2})
	if err != nil {
		t.Fatal(err)
	}
	return viewOf(rep, now, ckpt.Settle)
}
