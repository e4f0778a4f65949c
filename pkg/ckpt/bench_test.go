package ckpt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// The tree of issue 7's discovery goal: 2,000 steps of model, meta and 8
// optimizer shards.
const (
	benchSteps = 2000
	benchEvery = 500
	benchRanks = 8
)

func benchTree(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	if err := ckpttest.WriteTree(dir, benchSteps, benchEvery, benchRanks); err != nil {
		b.Fatal(err)
	}
	return dir
}

// reportBytesRead runs f once on a metered view of dir and reports the
// bytes it read from files. It must run after the timed loop, which
// deletes metrics reported before it.
func reportBytesRead(b *testing.B, dir string, f func(*meteredFS)) {
	b.Helper()
	mfs := &meteredFS{FS: os.DirFS(dir)}
	f(mfs)
	b.ReportMetric(float64(mfs.bytes.Load()), "read-B/op")
}

// BenchmarkScanNewestTornNewest measures the common case after a
// TIMEOUT mid-save: the newest step is torn and the one before is chosen.
func BenchmarkScanNewestTornNewest(b *testing.B) {
	dir := benchTree(b)
	model := filepath.Join(dir, ModelName(benchSteps*benchEvery))
	if err := os.Truncate(model, 100); err != nil {
		b.Fatal(err)
	}
	opt := Options{Ranks: benchRanks, Newest: 1}
	for b.Loop() {
		r, err := Scan(os.DirFS(dir), opt)
		if s, ok := r.NewestComplete(); err != nil || !ok || s.Step != (benchSteps-1)*benchEvery {
			b.Fatalf("ScanNewest = %d, %v, %v", s.Step, ok, err)
		}
	}
}

func BenchmarkScan(b *testing.B) {
	dir := benchTree(b)
	opt := Options{Ranks: benchRanks}
	for b.Loop() {
		r, err := Scan(os.DirFS(dir), opt)
		if err != nil || len(r.Steps) != benchSteps {
			b.Fatalf("Scan = %d steps, %v", len(r.Steps), err)
		}
	}
	reportBytesRead(b, dir, func(m *meteredFS) { _, _ = Scan(m, opt) })
}

func BenchmarkCheckZip(b *testing.B) {
	f, err := os.Open(filepath.Join(fixtureDir, "model_000500.pt"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := CheckZip(f, info.Size()); err != nil {
			b.Fatal(err)
		}
	}
}
