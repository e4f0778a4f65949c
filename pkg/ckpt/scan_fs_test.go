package ckpt

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// mapTree builds, in memory, complete steps with ranks shards.
func mapTree(t *testing.T, ranks int, steps ...int) fstest.MapFS {
	t.Helper()
	data, err := ckpttest.TorchZip(ckpttest.Stem, []byte("tensor bytes"))
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	mtime := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range steps {
		m[ModelName(s)] = &fstest.MapFile{Data: data, ModTime: mtime}
		m[MetaName(s)] = &fstest.MapFile{Data: ckpttest.MetaJSON(s, 1, 0), ModTime: mtime}
		for r := range ranks {
			m[OptimName(s, r)] = &fstest.MapFile{Data: data, ModTime: mtime}
		}
	}
	return m
}

func TestScanMapFS(t *testing.T) {
	m := mapTree(t, 2, 100, 200, 300)
	m[ModelName(300)].Data = m[ModelName(300)].Data[:50]
	m[OptimName(200, 1)] = &fstest.MapFile{Data: nil}
	m["model_000400.pt.tmp"] = &fstest.MapFile{Data: []byte("x")}
	m["sub/model_000500.pt"] = &fstest.MapFile{Data: []byte("x")}
	r, err := Scan(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, s := range r.Steps {
		got[s.Step] = s.Reason
	}
	want := map[int]string{
		100: "complete",
		200: "optim_000200_rank1.pt is empty (0 bytes)",
		300: "model_000300.pt: torn zip: truncated: no end-of-central-directory record",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	s, ok, err := newestComplete(m, Options{})
	if err != nil || !ok || s.Step != 100 {
		t.Errorf("NewestComplete = %d, %v, %v; want 100", s.Step, ok, err)
	}
}

// TestNewestCompleteStopsEarly checks that ScanNewest opens only the files
// of the steps it needs: down to the first complete one.
func TestNewestCompleteStopsEarly(t *testing.T) {
	m := mapTree(t, 2, 100, 200, 300, 400, 500)
	m[OptimName(500, 1)].Data = m[OptimName(500, 1)].Data[:60]
	mfs := &meteredFS{FS: m}
	s, ok, err := newestComplete(mfs, Options{})
	if err != nil || !ok || s.Step != 400 {
		t.Fatalf("NewestComplete = %d, %v, %v; want 400", s.Step, ok, err)
	}
	var steps []int
	for _, name := range mfs.opened() {
		if n, ok := ParseName(name); ok && !slices.Contains(steps, n.Step) {
			steps = append(steps, n.Step)
		}
	}
	slices.Sort(steps)
	if want := []int{400, 500}; !reflect.DeepEqual(steps, want) {
		t.Errorf("NewestComplete opened files of steps %v, want only %v", steps, want)
	}
}

// plainFS hides io.ReaderAt (and, unless seek is set, io.Seeker) from the
// files of an fs.FS, as some file systems do.
type plainFS struct {
	fs.FS
	seek bool
}

type plainFile struct{ fs.File }

type seekFile struct {
	fs.File
	io.Seeker
}

func (p plainFS) Open(name string) (fs.File, error) {
	f, err := p.FS.Open(name)
	if err != nil || name == "." {
		return f, err
	}
	if p.seek {
		return seekFile{File: f, Seeker: f.(io.Seeker)}, nil
	}
	return plainFile{f}, nil
}

func TestScanWithoutReaderAt(t *testing.T) {
	for _, seek := range []bool{false, true} {
		m := mapTree(t, 1, 100, 200)
		m[ModelName(200)].Data = m[ModelName(200)].Data[:100]
		r, err := Scan(plainFS{FS: m, seek: seek}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.CompleteSteps(), []int{100}; !reflect.DeepEqual(got, want) {
			t.Errorf("seek %v: complete steps %v, want %v (reasons %q)", seek, got, want, reasonsOf(r))
		}
	}
}

func reasonsOf(r Report) []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Reason)
	}
	return out
}

// growingFS reports a different size when a file is opened than when the
// directory was listed: the file grew in between.
type growingFS struct{ fstest.MapFS }

type growingFile struct{ fs.File }

type grownInfo struct{ fs.FileInfo }

func (g growingFS) Open(name string) (fs.File, error) {
	f, err := g.MapFS.Open(name)
	if err != nil || name == "." || !strings.HasPrefix(name, "optim_") {
		return f, err
	}
	return growingFile{f}, nil
}

func (f growingFile) Stat() (fs.FileInfo, error) {
	info, err := f.File.Stat()
	return grownInfo{info}, err
}

func (i grownInfo) Size() int64 { return i.FileInfo.Size() + 4096 }

func TestScanFileChangedWhileChecking(t *testing.T) {
	r, err := Scan(growingFS{mapTree(t, 1, 100)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.Step(100)
	if want := "still being written: optim_000100_rank0.pt changed while being checked"; s.Complete || s.Reason != want {
		t.Errorf("step 100: complete %v, %q; want %q", s.Complete, s.Reason, want)
	}
}

// TestCheckBytesReadIndependentOfSize verifies a step whose model is a
// 1 MiB and then a 1 GiB sparse archive: the bytes read must not change.
func TestCheckBytesReadIndependentOfSize(t *testing.T) {
	var read []int64
	for _, size := range []int64{1 << 20, 1 << 30} {
		dir := writeSteps(t, 2, 100)
		if err := ckpttest.WriteSparseZip(filepath.Join(dir, ModelName(100)), ckpttest.Stem, size); err != nil {
			t.Fatal(err)
		}
		mfs := &meteredFS{FS: os.DirFS(dir)}
		s, ok, err := newestComplete(mfs, Options{})
		if err != nil || !ok || s.Step != 100 || s.Bytes < size {
			t.Fatalf("NewestComplete = %+v, %v, %v; want step 100 of at least %d bytes", s, ok, err, size)
		}
		read = append(read, mfs.bytes.Load())
	}
	if read[0] != read[1] || read[1] == 0 || read[1] > 64<<10 {
		t.Errorf("bytes read for a 1 MiB and a 1 GiB model: %d and %d, want equal and small", read[0], read[1])
	}
}

// newestComplete is the newest complete step as Scan with Newest finds it.
func newestComplete(fsys fs.FS, opt Options) (Step, bool, error) {
	opt.Newest = 1
	r, err := Scan(fsys, opt)
	s, ok := r.NewestComplete()
	return s, ok, err
}
