package ckpttest

import (
	"archive/zip"
	"errors"
	"hash/crc32"
	"io"
	"os"
)

// holeChunk is the size of each skipped write. It must exceed the 4 KiB
// buffer inside zip.Writer so that every chunk reaches holeWriter whole.
const holeChunk = 1 << 20

var zeroChunk = make([]byte, holeChunk)

// WriteSparseZip writes to path a torch-like zip archive whose stem/data/0
// entry is hole zero bytes that are never written: the file system keeps
// them as a hole, so a multi-GiB archive costs a few KiB of disk. With hole
// beyond 4 GiB the archive is ZIP64, and the entries after data/0 have
// local header offsets past 4 GiB. The archive is valid, CRCs included.
func WriteSparseZip(path, stem string, hole int64) (err error) {
	if hole < 0 {
		return errors.New("ckpttest: negative hole size")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(&holeWriter{f: f})
	if err := addStored(zw, stem+"/data.pkl", pickleStub); err != nil {
		return err
	}
	fh := &zip.FileHeader{
		Name:               stem + "/data/0",
		Method:             zip.Store,
		CompressedSize64:   uint64(hole),
		UncompressedSize64: uint64(hole),
		CRC32:              zeroCRC(hole),
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	// With zip.Writer's buffer empty, each chunk passes through unchanged
	// and holeWriter recognises it.
	if err := zw.Flush(); err != nil {
		return err
	}
	for left := hole; left > 0; {
		n := min(left, holeChunk)
		if _, err := w.Write(zeroChunk[:n]); err != nil {
			return err
		}
		left -= n
	}
	if err := addStored(zw, stem+"/version", []byte("3\n")); err != nil {
		return err
	}
	return zw.Close()
}

func addStored(zw *zip.Writer, name string, data []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// holeWriter writes to a file, but skips over writes of zeroChunk instead
// of writing them, leaving a hole. Shorter zero writes, which zip.Writer
// may have copied into its buffer, are written normally: the content is
// the same either way.
type holeWriter struct {
	f *os.File
}

func (w *holeWriter) Write(p []byte) (int, error) {
	if len(p) > 0 && &p[0] == &zeroChunk[0] {
		if _, err := w.f.Seek(int64(len(p)), io.SeekCurrent); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return w.f.Write(p)
}

// zeroCRC returns the CRC-32 of n zero bytes.
func zeroCRC(n int64) uint32 {
	var crc uint32
	for ; n > 0; n -= holeChunk {
		crc = crc32.Update(crc, crc32.IEEETable, zeroChunk[:min(n, holeChunk)])
	}
	return crc
}
