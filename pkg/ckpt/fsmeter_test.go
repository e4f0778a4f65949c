package ckpt

import (
	"io"
	"io/fs"
	"sync"
	"sync/atomic"
)

// meteredFS records which files are opened and counts the bytes read from
// them, through Read and ReadAt alike.
type meteredFS struct {
	fs.FS
	bytes atomic.Int64
	mu    sync.Mutex
	opens []string
}

func (m *meteredFS) Open(name string) (fs.File, error) {
	f, err := m.FS.Open(name)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.opens = append(m.opens, name)
	m.mu.Unlock()
	// Every *os.File has a ReadDir method, so directories are told apart
	// by name: checkpoint directories are read at ".".
	if name == "." {
		return f, nil
	}
	return &meteredFile{File: f, n: &m.bytes}, nil
}

// ReadDir passes listings through uncounted: the meter is about file data.
func (m *meteredFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(m.FS, name) }

func (m *meteredFS) opened() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.opens...)
}

type meteredFile struct {
	fs.File
	n *atomic.Int64
}

func (f *meteredFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.n.Add(int64(n))
	return n, err
}

func (f *meteredFile) ReadAt(p []byte, off int64) (int, error) {
	ra, ok := f.File.(io.ReaderAt)
	if !ok {
		return 0, fs.ErrInvalid
	}
	n, err := ra.ReadAt(p, off)
	f.n.Add(int64(n))
	return n, err
}
