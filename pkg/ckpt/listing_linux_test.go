package ckpt

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"testing/fstest"
)

// statOnlyFS hides everything of an fs.FS but Open and Stat, so that ckpt
// lists it through fs.ReadDirFile, as any fs.FS that is not a directory
// on disk.
type statOnlyFS struct{ fs.StatFS }

// oddTree writes steps 100…700 with 4 ranks and gives most steps
// something a listing must get right: a missing or extra shard, a
// directory or a FIFO under a checkpoint name, symlinks, a torn model,
// and foreign names.
func oddTree(t *testing.T) string {
	t.Helper()
	dir := writeSteps(t, 4, 100, 200, 300, 400, 500, 600, 700)
	at := func(name string) string { return filepath.Join(dir, name) }
	remove(t, at(OptimName(200, 2)))
	data, err := os.ReadFile(at(OptimName(300, 0)))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, at(OptimName(300, 5)), string(data))
	remove(t, at(ModelName(400)))
	if err := os.Mkdir(at(ModelName(400)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(at(MetaName(500)), at("meta.real")); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{MetaName(500): "meta.real", OptimName(500, 1): "absent"} {
		os.Remove(at(link))
		if err := os.Symlink(target, at(link)); err != nil {
			t.Fatal(err)
		}
	}
	remove(t, at(OptimName(600, 3)))
	if err := syscall.Mkfifo(at(OptimName(600, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	truncateTo(t, at(ModelName(700)), func(n int64) int64 { return n / 2 })
	for _, name := range []string{"model_000800.pt.tmp", "notes.txt", OptimName(900, 0)} {
		writeFile(t, at(name), "x")
	}
	if err := os.Mkdir(at("sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestListDiskMatchesReadDir: reading a directory with getdents must give
// the same reports as reading it through ReadDir, for os.DirFS and for an
// os.Root's FS, whatever the entries are.
func TestListDiskMatchesReadDir(t *testing.T) {
	dir := oddTree(t)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for name, fsys := range map[string]fs.FS{"DirFS": os.DirFS(dir), "Root": root.FS()} {
		slow := statOnlyFS{fsys.(fs.StatFS)}
		if l, err := listSteps(fsys, 0); err != nil || l.dirents != nil || len(l.steps) == 0 {
			t.Fatalf("%s: listSteps = %d steps, %d DirEntries, %v; want steps listed with getdents", name, len(l.steps), len(l.dirents), err)
		}
		if l, err := listSteps(slow, 0); err != nil || l.dirents == nil {
			t.Fatalf("%s behind statOnlyFS: listSteps = %d DirEntries, %v; want it listed with ReadDir", name, len(l.dirents), err)
		}
		for _, ranks := range []int{0, 4} {
			opt := Options{Ranks: ranks}
			got, err := Scan(fsys, opt)
			want, err2 := Scan(slow, opt)
			if err != nil || err2 != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s, ranks %d: Scan with getdents = %+v, %v\nwith ReadDir = %+v, %v", name, ranks, got, err, want, err2)
			}
			for _, n := range []int{1, 2} {
				got, err := ScanNewest(fsys, opt, n)
				want, err2 := ScanNewest(slow, opt, n)
				if err != nil || err2 != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s, ranks %d: ScanNewest(%d) with getdents = %+v, %v\nwith ReadDir = %+v, %v", name, ranks, n, got, err, want, err2)
				}
			}
		}
	}
}

// dirent encodes one linux_dirent64 record, padded to 8 bytes as the
// kernel pads them.
func dirent(ino uint64, typ byte, name string) []byte {
	n := (direntName + len(name) + 1 + 7) &^ 7
	rec := make([]byte, n)
	binary.NativeEndian.PutUint64(rec, ino)
	binary.NativeEndian.PutUint16(rec[direntReclen:], uint16(n))
	rec[direntType] = typ
	copy(rec[direntName:], name)
	return rec
}

func TestAddDirents(t *testing.T) {
	var buf []byte
	for _, r := range []struct {
		ino  uint64
		typ  byte
		name string
	}{
		{1, syscall.DT_DIR, "."},
		{2, syscall.DT_REG, ModelName(100)},
		{0, syscall.DT_REG, MetaName(100)}, // deleted
		{3, syscall.DT_DIR, OptimName(100, 0)},
		{4, syscall.DT_UNKNOWN, OptimName(100, 1)}, // a file, says lstat
		{5, syscall.DT_UNKNOWN, OptimName(100, 2)}, // gone, says lstat
		{6, syscall.DT_UNKNOWN, OptimName(100, 3)}, // a directory, says lstat
		{7, syscall.DT_LNK, MetaName(200)},
		{8, syscall.DT_FIFO, ModelName(200)},
		{9, syscall.DT_REG, "notes.txt"},
		{10, syscall.DT_REG, OptimName(200, 0) + ".tmp"},
		{11, syscall.DT_REG, OptimName(200, 7)},
	} {
		buf = append(buf, dirent(r.ino, r.typ, r.name)...)
	}
	buf = append(buf, dirent(12, syscall.DT_REG, ModelName(300))[:direntName+3]...) // cut short
	fsys := fstest.MapFS{
		OptimName(100, 1): &fstest.MapFile{Data: []byte("x")},
		OptimName(100, 3): &fstest.MapFile{Mode: fs.ModeDir},
	}
	g := newStepGrouper(0)
	if err := addDirents(fsys, buf, g); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range g.listing(nil).steps {
		add := func(n Name, e listedFile) {
			if e.listed {
				got = append(got, n.String()+map[bool]string{true: " symlink", false: ""}[e.symlink])
			}
		}
		add(Name{Kind: KindModel, Step: s.step, Rank: -1}, s.model)
		add(Name{Kind: KindMeta, Step: s.step, Rank: -1}, s.meta)
		for _, r := range s.optim {
			add(Name{Kind: KindOptim, Step: s.step, Rank: r.rank}, r.entry)
		}
	}
	want := []string{ModelName(100), OptimName(100, 1), MetaName(200) + " symlink", OptimName(200, 7)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed %q, want %q", got, want)
	}
}

// FuzzAddDirents: whatever getdents returns, parsing it must not panic,
// and every file it lists must be named in the buffer.
func FuzzAddDirents(f *testing.F) {
	f.Add(append(dirent(1, syscall.DT_REG, ModelName(100)), dirent(2, syscall.DT_LNK, OptimName(100, 3))...))
	f.Add(dirent(1, syscall.DT_UNKNOWN, MetaName(100)))
	f.Add(dirent(1, syscall.DT_REG, "model_000100.pt")[:direntName+2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, buf []byte) {
		g := newStepGrouper(0)
		fsys := fstest.MapFS{MetaName(100): &fstest.MapFile{Data: []byte("{}")}}
		if err := addDirents(fsys, buf, g); err != nil {
			t.Fatal(err)
		}
		for _, s := range g.listing(nil).steps {
			names := []string{}
			if s.model.listed {
				names = append(names, ModelName(s.step))
			}
			if s.meta.listed {
				names = append(names, MetaName(s.step))
			}
			for _, r := range s.optim {
				names = append(names, OptimName(s.step, r.rank))
			}
			for _, n := range names {
				if !bytes.Contains(buf, []byte(n)) {
					t.Fatalf("listed %s, which the buffer does not name", n)
				}
			}
		}
	})
}
