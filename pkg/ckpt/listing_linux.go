package ckpt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"syscall"
	"unsafe"
)

// direntBufSize is how much getdents64 may return at once. os reads 8 KiB
// at a time; a checkpoint directory of 20,000 names is about 1 MiB of
// records, so a larger buffer saves a hundred system calls.
const direntBufSize = 32 << 10

// Offsets in a linux_dirent64 record: d_ino, d_off, d_reclen, d_type, then
// the name, NUL-terminated and padded.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// listDisk reads a directory on disk with getdents64 and hands each
// checkpoint name to g, without the DirEntry and name string that
// (*os.File).ReadDir allocates for each of the directory's entries.
//
// It applies when fsys opened the directory as an *os.File and can lstat
// its names (fs.ReadLinkFS: os.DirFS and os.Root's FS), so that a file's
// info is what os's DirEntry.Info would return. Otherwise it reports false
// and the caller lists through fs.ReadDirFile.
func listDisk(fsys fs.FS, d fs.File, g *stepGrouper) (bool, error) {
	f, ok := d.(*os.File)
	if !ok {
		return false, nil
	}
	if _, ok := fsys.(fs.ReadLinkFS); !ok {
		return false, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return false, nil
	}
	buf := make([]byte, direntBufSize)
	for {
		var n int
		var errno error
		err := rc.Read(func(fd uintptr) bool {
			for {
				n, errno = syscall.ReadDirent(int(fd), buf)
				if errno != syscall.EINTR {
					return true
				}
			}
		})
		if err == nil && errno != nil {
			err = &fs.PathError{Op: "readdirent", Path: f.Name(), Err: errno}
		}
		if err != nil {
			return true, err
		}
		if n <= 0 {
			return true, nil
		}
		if err := addDirents(fsys, buf[:n], g); err != nil {
			return true, err
		}
	}
}

// addDirents parses linux_dirent64 records and adds the checkpoint files
// among them to g. Like os, it skips deleted entries (inode 0); "." and
// ".." are not checkpoint names.
func addDirents(fsys fs.FS, buf []byte, g *stepGrouper) error {
	for len(buf) >= direntName {
		reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
		if reclen < direntName || reclen > len(buf) {
			return nil
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		if binary.NativeEndian.Uint64(rec) == 0 {
			continue
		}
		name := rec[direntName:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) == 0 {
			continue
		}
		// ParseName keeps nothing of the string it is given, so a string
		// over the buffer spares copying each of the directory's names.
		n, ok := ParseName(unsafe.String(&name[0], len(name)))
		if !ok {
			continue
		}
		typ, known := direntMode(rec[direntType])
		if !known {
			// The file system does not say (DT_UNKNOWN): ask, as os does.
			info, err := fs.Lstat(fsys, n.String())
			if errors.Is(err, fs.ErrNotExist) {
				continue // gone since the listing, as os treats it
			}
			if err != nil {
				return err
			}
			typ = info.Mode().Type()
		}
		g.add(n, typ, -1)
	}
	return nil
}

// direntMode turns a d_type into a file type as os.DirEntry.Type reports
// it, and false for DT_UNKNOWN.
func direntMode(t byte) (fs.FileMode, bool) {
	switch t {
	case syscall.DT_REG:
		return 0, true
	case syscall.DT_DIR:
		return fs.ModeDir, true
	case syscall.DT_LNK:
		return fs.ModeSymlink, true
	case syscall.DT_BLK:
		return fs.ModeDevice, true
	case syscall.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case syscall.DT_FIFO:
		return fs.ModeNamedPipe, true
	case syscall.DT_SOCK:
		return fs.ModeSocket, true
	}
	return 0, false
}
