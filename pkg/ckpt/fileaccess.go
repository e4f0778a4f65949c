package ckpt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
)

// maxReadAllFallback bounds how much of a file is read into memory when
// its fs.FS offers neither io.ReaderAt nor io.Seeker. Real directories
// (os.DirFS) and fstest.MapFS both offer io.ReaderAt, so this only matters
// for unusual file systems, and then only small files can be checked.
const maxReadAllFallback = 16 << 20

// maxMetaSize bounds a meta_S.json read; nanochat writes about 2 KiB.
const maxMetaSize = 16 << 20

// readerAt gives random access to an opened file of the given size.
func readerAt(f fs.File, size int64) (io.ReaderAt, error) {
	if ra, ok := f.(io.ReaderAt); ok {
		return ra, nil
	}
	if rs, ok := f.(io.ReadSeeker); ok {
		return &seekReaderAt{rs: rs}, nil
	}
	if size > maxReadAllFallback {
		return nil, fmt.Errorf("file system offers no random access and the file is %d bytes", size)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxReadAllFallback+1))
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(data), nil
}

// seekReaderAt adapts an io.ReadSeeker to io.ReaderAt.
type seekReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.rs, p)
}

// readMeta reads a whole meta file, refusing one larger than maxMetaSize.
func readMeta(f fs.File, size int64) ([]byte, error) {
	if size > maxMetaSize {
		return nil, fmt.Errorf("%d bytes is too large for a meta file", size)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxMetaSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetaSize {
		return nil, errors.New("too large for a meta file")
	}
	return data, nil
}
