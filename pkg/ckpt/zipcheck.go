package ckpt

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The end records (APPNOTE.TXT 4.3.14–4.3.16), which archive/zip reads but
// does not expose.
const (
	eocdLen           = 22
	eocdSig           = 0x06054b50
	zip64LocatorLen   = 20
	zip64LocatorSig   = 0x07064b50
	zip64EOCDLen      = 56
	zip64EOCDSig      = 0x06064b50
	localHeaderLen    = 30
	maxCommentLen     = 65535
	uint16max         = 0xffff
	uint32max         = 0xffffffff
	dataDescriptorMin = 12 // CRC and two 32-bit sizes, after an entry with flag bit 3
)

// Reads: firstTailLen of the end of the file first (torch.save writes no
// comment, so the end records and usually the central directory are in
// it), the whole file when it is at most wholeFileLen, which costs less
// than one read per local header.
const (
	firstTailLen = 4096
	wholeFileLen = 128 << 10
)

// CheckZip reports whether the size bytes of r are a structurally complete
// zip archive. archive/zip reads the central directory; CheckZip adds what
// archive/zip leaves out and a file cut short anywhere cannot keep: an
// end-of-central-directory record (ZIP64 included) that ends the file, a
// central directory that ends where the end records begin (offsets are
// absolute: torch.save never prepends data), and every entry's local header
// and data inside the file, before the central directory.
//
// CheckZip reads the tail of the file, the central directory and 30 bytes
// per entry; it never reads entry data, so its cost does not grow with the
// file's size. It does not verify CRCs.
func CheckZip(r io.ReaderAt, size int64) error {
	if size <= 0 {
		return errors.New("empty file")
	}
	if size < eocdLen {
		return fmt.Errorf("truncated: %d bytes is too short for a zip archive", size)
	}
	t := &cachedTail{ReaderAt: r}
	cdOffset, entries, err := t.endRecords(size)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(t, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("central directory is not %d well-formed entries: %w", entries, err)
	}
	for _, f := range zr.File {
		if err := checkEntry(f, cdOffset, uint64(size)); err != nil {
			return err
		}
	}
	return nil
}

// cachedTail serves reads inside the end of the file it has read, so that
// archive/zip's own look at the end records and central directory costs no
// further I/O.
type cachedTail struct {
	io.ReaderAt
	buf []byte
	off int64
}

func (c *cachedTail) ReadAt(p []byte, off int64) (int, error) {
	if off >= c.off && off+int64(len(p)) <= c.off+int64(len(c.buf)) {
		return copy(p, c.buf[off-c.off:]), nil
	}
	return c.ReaderAt.ReadAt(p, off)
}

// read caches the last n bytes of a file of the given size.
func (c *cachedTail) read(n, size int64) error {
	n = min(n, size)
	buf := make([]byte, n)
	if err := readFull(c.ReaderAt, buf, size-n); err != nil {
		return fmt.Errorf("cannot read end of file: %w", err)
	}
	c.buf, c.off = buf, size-n
	return nil
}

// bytesAt returns n bytes at off, which the caller has checked lie inside
// the file.
func (c *cachedTail) bytesAt(off int64, n int, what string) ([]byte, error) {
	buf := make([]byte, n)
	if err := readFull(c, buf, off); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	return buf, nil
}

// readFull reads len(buf) bytes at off. Any short read, even of nothing
// (a file that shrank since its size was taken), is io.ErrUnexpectedEOF.
func readFull(r io.ReaderAt, buf []byte, off int64) error {
	_, err := io.ReadFull(io.NewSectionReader(r, off, int64(len(buf))), buf)
	if err == io.EOF && len(buf) > 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}

// lastEOCD returns the position in b of the last end-of-central-directory
// signature whose comment ends exactly at the end of b, or -1. Requiring
// the exact fit means a file cut inside its comment, or with anything
// after its end record, has no record.
func lastEOCD(b []byte) int {
	for i := len(b) - eocdLen; i >= 0; i-- {
		if b[i] != 'P' || binary.LittleEndian.Uint32(b[i:]) != eocdSig {
			continue
		}
		if i+eocdLen+int(binary.LittleEndian.Uint16(b[i+20:])) == len(b) {
			return i
		}
	}
	return -1
}

// endRecords finds the end-of-central-directory record and, when present,
// the ZIP64 locator and record, checks that the central directory they
// describe ends where they begin, and returns where it starts and how many
// entries it announces.
func (c *cachedTail) endRecords(size int64) (cdOffset, entries uint64, err error) {
	first := int64(firstTailLen)
	if size <= wholeFileLen {
		first = size
	}
	if err := c.read(first, size); err != nil {
		return 0, 0, err
	}
	pos := lastEOCD(c.buf)
	if pos < 0 && size > int64(len(c.buf)) {
		if err := c.read(maxCommentLen+eocdLen, size); err != nil {
			return 0, 0, err
		}
		pos = lastEOCD(c.buf)
	}
	if pos < 0 {
		return 0, 0, errors.New("truncated: no end-of-central-directory record")
	}
	le := binary.LittleEndian
	b := c.buf[pos : pos+eocdLen]
	end := c.off + int64(pos)
	if le.Uint16(b[8:]) != le.Uint16(b[10:]) || le.Uint16(b[4:]) != le.Uint16(b[6:]) {
		return 0, 0, fmt.Errorf("multi-disk archive (disk %d, directory on disk %d)", le.Uint16(b[4:]), le.Uint16(b[6:]))
	}
	cdSize := uint64(le.Uint32(b[12:]))
	entries, cdOffset = uint64(le.Uint16(b[10:])), uint64(le.Uint32(b[16:]))
	var loc []byte
	if end >= zip64LocatorLen {
		if loc, err = c.bytesAt(end-zip64LocatorLen, zip64LocatorLen, "zip64 locator"); err != nil {
			return 0, 0, err
		}
	}
	switch {
	case loc != nil && le.Uint32(loc) == zip64LocatorSig:
		rec, err := c.zip64Record(end-zip64LocatorLen, loc)
		if err != nil {
			return 0, 0, err
		}
		if !agrees(entries, le.Uint64(rec[32:]), uint16max) || !agrees(cdSize, le.Uint64(rec[40:]), uint32max) ||
			!agrees(cdOffset, le.Uint64(rec[48:]), uint32max) {
			return 0, 0, errors.New("end-of-central-directory and zip64 records disagree")
		}
		entries, cdSize, cdOffset, end = le.Uint64(rec[32:]), le.Uint64(rec[40:]), le.Uint64(rec[48:]), int64(le.Uint64(loc[8:]))
	case cdSize == uint32max || cdOffset == uint32max:
		return 0, 0, errors.New("truncated: zip64 end-of-central-directory locator missing")
	}
	if cdOffset > uint64(size) || cdSize > uint64(size) {
		return 0, 0, errors.New("central directory outside file")
	}
	if cdOffset+cdSize != uint64(end) {
		return 0, 0, fmt.Errorf("central directory ends at offset %d, end record is at %d", cdOffset+cdSize, end)
	}
	return cdOffset, entries, nil
}

// zip64Record reads the ZIP64 end-of-central-directory record the locator
// at locPos points to, and checks that it ends at the locator and describes
// a single disk, as archive/zip also requires of the locator.
func (c *cachedTail) zip64Record(locPos int64, loc []byte) ([]byte, error) {
	le := binary.LittleEndian
	if le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return nil, errors.New("multi-disk zip64 archive")
	}
	recOff := le.Uint64(loc[8:])
	if recOff > uint64(locPos) || uint64(locPos)-recOff < zip64EOCDLen {
		return nil, errors.New("zip64 end-of-central-directory record outside file")
	}
	rec, err := c.bytesAt(int64(recOff), zip64EOCDLen, "zip64 end-of-central-directory record")
	if err != nil {
		return nil, err
	}
	switch {
	case le.Uint32(rec) != zip64EOCDSig:
		return nil, fmt.Errorf("no zip64 end-of-central-directory record at offset %d", recOff)
	case recOff+12+le.Uint64(rec[4:]) != uint64(locPos):
		return nil, errors.New("zip64 end-of-central-directory record does not end at its locator")
	case le.Uint32(rec[16:]) != 0 || le.Uint32(rec[20:]) != 0 || le.Uint64(rec[24:]) != le.Uint64(rec[32:]):
		return nil, errors.New("multi-disk zip64 archive")
	}
	return rec, nil
}

// agrees reports whether a 16- or 32-bit field is either the ZIP64 marker
// or equal to the 64-bit value.
func agrees(plain, wide, marker uint64) bool {
	return plain == marker || plain == wide
}

// checkEntry checks that f has a local header where the central directory
// says, and that its data, and the data descriptor after it when flag bit
// 3 is set (torch.save sets it), end inside the file before the central
// directory at cdOffset.
func checkEntry(f *zip.File, cdOffset, size uint64) error {
	off, err := f.DataOffset()
	if err != nil {
		return fmt.Errorf("entry %q: no local header: %w", f.Name, err)
	}
	if uint64(off) > size || f.CompressedSize64 > size {
		return fmt.Errorf("entry %q extends past end of file", f.Name)
	}
	end := uint64(off) + f.CompressedSize64
	if f.Flags&0x8 != 0 {
		end += dataDescriptorMin
	}
	switch {
	case end > size:
		return fmt.Errorf("entry %q extends past end of file", f.Name)
	case end > cdOffset:
		return fmt.Errorf("entry %q overlaps the central directory", f.Name)
	}
	return nil
}
