package ckpt

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// BenchmarkScanNewest measures what the daemon does each time a run's
// checkpoint directory changes, and what `ckpt --newest` does, on issue
// 7's tree: 2,000 steps of model, meta and 8 shards, the two newest
// complete steps verified, the rest listed by name.
func BenchmarkScanNewest(b *testing.B) {
	dir := benchTree(b)
	for _, want := range []int{1, 2} {
		opt := Options{Ranks: benchRanks, Newest: want}
		b.Run(fmt.Sprintf("want=%d", want), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := Scan(os.DirFS(dir), opt)
				if err != nil || len(r.Steps) != want || len(r.Unverified) != benchSteps-want {
					b.Fatalf("ScanNewest = %d verified, %d unverified, %v", len(r.Steps), len(r.Unverified), err)
				}
			}
			reportBytesRead(b, dir, func(m *meteredFS) { _, _ = Scan(m, opt) })
		})
	}
}

// BenchmarkVerifyModelSize: bytes read and time must not grow with the
// size of the checkpoint files, for the full Scan as for ScanNewest. The
// step's model is a sparse archive of 1 MiB or 1 GiB.
func BenchmarkVerifyModelSize(b *testing.B) {
	funcs := []struct {
		name string
		run  func(*testing.B, fs.FS) int64
	}{
		{"Scan", func(b *testing.B, fsys fs.FS) int64 {
			r, err := Scan(fsys, Options{Ranks: benchRanks})
			if err != nil || len(r.Steps) != 1 || !r.Steps[0].Complete {
				b.Fatalf("Scan = %+v, %v", r, err)
			}
			return r.Steps[0].Bytes
		}},
		{"ScanNewest", func(b *testing.B, fsys fs.FS) int64 {
			r, err := Scan(fsys, Options{Ranks: benchRanks, Newest: 1})
			if err != nil || len(r.Steps) != 1 || !r.Steps[0].Complete {
				b.Fatalf("ScanNewest = %+v, %v", r, err)
			}
			return r.Steps[0].Bytes
		}},
	}
	for _, fn := range funcs {
		for _, size := range []int64{1 << 20, 1 << 30} {
			b.Run(fmt.Sprintf("%s/%dMiB", fn.name, size>>20), func(b *testing.B) {
				dir := b.TempDir()
				if err := ckpttest.WriteStep(dir, 100, benchRanks, 1); err != nil {
					b.Fatal(err)
				}
				if err := ckpttest.WriteSparseZip(filepath.Join(dir, ModelName(100)), ckpttest.Stem, size); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if got := fn.run(b, os.DirFS(dir)); got < size {
						b.Fatalf("step is %d bytes, want at least %d", got, size)
					}
				}
				reportBytesRead(b, dir, func(m *meteredFS) { fn.run(b, m) })
			})
		}
	}
}
