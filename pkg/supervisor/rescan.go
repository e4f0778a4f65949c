package supervisor

import (
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// The periodic rescan of a checkpoint directory whose mtime says nothing
// changed exists for changes the mtime does not show: a step's files
// rewritten in place (a directory's mtime moves only when names come and
// go) and network filesystems that lag on mtimes. Two things keep it cheap
// with a thousand runs:
//
//   - Each directory has its own rescan phase, from a hash of its path, so
//     the rescans of directories first scanned in the same pass (all of
//     them, after a start) fall due in different passes, and stay apart:
//     the phase is fixed, so passes that come late or early never bunch
//     them up again.
//   - A rescan first compares what can be compared without reading a
//     checkpoint: the names in the directory, and the size and mtime of
//     every file of the steps the last scan verified. Only a difference
//     verifies again (ckpt.Scan with Newest).

// rescanPhase is the offset of dir's rescan periods, in [0, rescanEvery).
func rescanPhase(dir string) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(dir))
	return time.Duration(h.Sum64() % uint64(rescanEvery))
}

// rescanPeriod numbers the rescan period that t falls in, for a directory
// with the given phase. A verdict is rechecked once the clock has left the
// period it was checked in: at most rescanEvery later.
func rescanPeriod(t time.Time, phase time.Duration) int64 {
	n, p := t.UnixNano()-int64(phase), int64(rescanEvery)
	q := n / p
	if n%p < 0 {
		q-- // floor, for clocks before 1970
	}
	return q
}

// dirSeen is what a verifying scan saw of a checkpoint directory: enough to
// tell, without opening a checkpoint, whether a rescan would see the same.
type dirSeen struct {
	names   int    // entries in the listing
	nameSum uint64 // order-independent hash of their names
	// files are every file of the verified steps, as stat'ed when they
	// were verified.
	files []seenFile
	// comparable is false when a verified step's file could not be
	// stat'ed (or the scan failed): then only a new scan can tell.
	comparable bool
}

type seenFile struct {
	name string
	size int64
	mod  time.Time
}

// nameHash is one name's share of dirSeen.nameSum. Summing the shares
// makes the hash independent of listing order.
func nameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// unchanged reports whether dir still lists the same names and the files
// of its verified steps still have the size and mtime they were verified
// with. It reads the directory and stats a few files; it opens no
// checkpoint.
func (d dirSeen) unchanged(dir string) bool {
	if !d.comparable {
		return false
	}
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil || len(names) != d.names {
		return false
	}
	var sum uint64
	for _, n := range names {
		sum += nameHash(n)
	}
	if sum != d.nameSum {
		return false
	}
	for _, sf := range d.files {
		fi, err := os.Stat(filepath.Join(dir, sf.name))
		if err != nil || fi.Size() != sf.size || !fi.ModTime().Equal(sf.mod) {
			return false
		}
	}
	return true
}

// scanDir scans the directory dir (viewOf), with what the scan saw.
func scanDir(dir string, ranks int, now time.Time, settle time.Duration) (run.CkptView, dirSeen) {
	lfs := &listingFS{FS: os.DirFS(dir)}
	rep, err := ckpt.Scan(lfs, ckpt.Options{Ranks: ranks, Now: now, SettleTime: settle, Newest: 2})
	if err != nil {
		return run.CkptView{Newest: run.NoStep, FreeBytes: -1, Err: err}, dirSeen{}
	}
	return viewOf(rep, now, settle), seenOf(rep, lfs.entries)
}

// seenOf records the listing and the stat of every verified file. It is
// comparable only if every listed file of a verified step was stat'ed: a
// file that failed its stat is in the listing but not in the report.
func seenOf(rep ckpt.Report, entries []fs.DirEntry) dirSeen {
	d := dirSeen{names: len(entries), comparable: true}
	for _, e := range entries {
		d.nameSum += nameHash(e.Name())
	}
	for _, st := range rep.Steps {
		for _, f := range st.Files {
			d.files = append(d.files, seenFile{name: f.Name, size: f.Size, mod: f.ModTime})
		}
	}
	if len(rep.Steps) == 0 {
		return d
	}
	oldest, listed := rep.Steps[0].Step, 0
	for _, e := range entries {
		// As ckpt lists steps: directories and irregular files never count.
		if t := e.Type(); t.IsDir() || (!t.IsRegular() && t&fs.ModeSymlink == 0) {
			continue
		}
		if n, ok := ckpt.ParseName(e.Name()); ok && n.Step >= oldest {
			listed++
		}
	}
	d.comparable = listed == len(d.files)
	return d
}

// listingFS passes everything through to FS and keeps the entries of the
// directory listing ckpt reads, so that a scan lists the directory once.
type listingFS struct {
	fs.FS
	entries []fs.DirEntry
}

func (l *listingFS) Open(name string) (fs.File, error) {
	f, err := l.FS.Open(name)
	if err != nil || name != "." {
		return f, err
	}
	if rd, ok := f.(fs.ReadDirFile); ok {
		return &listedDir{ReadDirFile: rd, fs: l}, nil
	}
	return f, nil
}

// Stat keeps fs.Stat from opening files to stat them (os.DirFS has Stat).
func (l *listingFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(l.FS, name) }

type listedDir struct {
	fs.ReadDirFile
	fs *listingFS
}

func (d *listedDir) ReadDir(n int) ([]fs.DirEntry, error) {
	entries, err := d.ReadDirFile.ReadDir(n)
	d.fs.entries = append(d.fs.entries, entries...)
	return entries, err
}
