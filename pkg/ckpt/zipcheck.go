package ckpt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ZipError says why a file is not a structurally complete zip archive.
// Reason is a short human phrase ("truncated: no end-of-central-directory
// record"); Err is the read error behind it, if there was one.
type ZipError struct {
	Reason string
	Err    error
}

func (e *ZipError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *ZipError) Unwrap() error { return e.Err }

func zipErrorf(format string, args ...any) error {
	return &ZipError{Reason: fmt.Sprintf(format, args...)}
}

// Zip record layouts (APPNOTE.TXT 4.3).
const (
	eocdLen         = 22
	eocdSig         = 0x06054b50
	zip64LocatorLen = 20
	zip64LocatorSig = 0x07064b50
	zip64EOCDLen    = 56
	zip64EOCDSig    = 0x06064b50
	cdHeaderLen     = 46
	cdHeaderSig     = 0x02014b50
	localHeaderLen  = 30
	localHeaderSig  = 0x04034b50
	maxCommentLen   = 65535
	uint16max       = 0xffff
	uint32max       = 0xffffffff
)

// Limits that keep a garbage file from making the check expensive.
const (
	// firstTailLen is read first: torch.save writes no archive comment, so
	// the end records and usually the whole central directory are in it.
	firstTailLen = 4096
	// wholeFileLen: a file this small is read in one go, which costs less
	// than one small read per local header.
	wholeFileLen = 128 << 10
	// maxCentralDirectory bounds what is read of a central directory; a
	// torch checkpoint has about 100 bytes of it per tensor.
	maxCentralDirectory = 64 << 20
	// maxLocalHeaderChecks bounds the 30-byte reads of local headers; past
	// it only the entry that ends last is read, the rest are checked
	// against the central directory alone.
	maxLocalHeaderChecks = 4096
)

// CheckZip reports whether the size bytes of r are a structurally complete
// zip archive: an end-of-central-directory record (ZIP64 included) whose
// central directory lies inside the file and ends where the end records
// begin, an entry count that matches, and every entry's local header and
// data inside the file. A file cut short anywhere loses its end records or
// moves them away from where its central directory says they are, so it is
// rejected.
//
// CheckZip reads the tail of the file, the central directory and 30 bytes
// per entry; it never reads entry data, so its cost does not grow with the
// file's size. It does not verify CRCs.
func CheckZip(r io.ReaderAt, size int64) error {
	if size <= 0 {
		return &ZipError{Reason: "empty file"}
	}
	if size < eocdLen {
		return zipErrorf("truncated: %d bytes is too short for a zip archive", size)
	}
	z := &zipReader{r: r, size: size}
	dir, err := z.findDirectory()
	if err != nil {
		return err
	}
	return z.checkCentralDirectory(dir)
}

// zipReader serves reads from a cached tail of the file when it can.
type zipReader struct {
	r       io.ReaderAt
	size    int64
	tail    []byte
	tailOff int64
}

// readTail caches the last n bytes of the file.
func (z *zipReader) readTail(n int64) error {
	n = min(n, z.size)
	buf := make([]byte, n)
	if err := readFull(z.r, buf, z.size-n); err != nil {
		return &ZipError{Reason: "cannot read end of file", Err: err}
	}
	z.tail, z.tailOff = buf, z.size-n
	return nil
}

// bytesAt returns n bytes at off, which the caller has checked lie inside
// the file.
func (z *zipReader) bytesAt(off int64, n int, what string) ([]byte, error) {
	if off >= z.tailOff && off+int64(n) <= z.tailOff+int64(len(z.tail)) {
		start := off - z.tailOff
		return z.tail[start : start+int64(n)], nil
	}
	buf := make([]byte, n)
	if err := readFull(z.r, buf, off); err != nil {
		return nil, &ZipError{Reason: "cannot read " + what, Err: err}
	}
	return buf, nil
}

// readFull reads len(buf) bytes at off. An io.ReaderAt may return io.EOF
// together with a full buffer at the end of the file; that is success.
func readFull(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// lastEOCD returns the position in b of the last end-of-central-directory
// signature whose comment ends exactly at the end of b, or -1. Requiring
// the exact fit means a file cut inside its comment has no record.
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

// directory is where the end records say the central directory is.
type directory struct {
	entries uint64
	offset  uint64
	size    uint64
	end     int64 // position of the first end record: the directory must end here
}

// findDirectory locates and decodes the end-of-central-directory record
// and, when present, the ZIP64 locator and record.
func (z *zipReader) findDirectory() (directory, error) {
	first := int64(firstTailLen)
	if z.size <= wholeFileLen {
		first = z.size
	}
	if err := z.readTail(first); err != nil {
		return directory{}, err
	}
	pos := lastEOCD(z.tail)
	if pos < 0 && z.size > int64(len(z.tail)) {
		if err := z.readTail(maxCommentLen + eocdLen); err != nil {
			return directory{}, err
		}
		pos = lastEOCD(z.tail)
	}
	if pos < 0 {
		return directory{}, zipErrorf("truncated: no end-of-central-directory record")
	}
	eocdPos := z.tailOff + int64(pos)
	b := z.tail[pos : pos+eocdLen]
	le := binary.LittleEndian
	disk, cdDisk := le.Uint16(b[4:]), le.Uint16(b[6:])
	entriesDisk, entries := le.Uint16(b[8:]), le.Uint16(b[10:])
	cdSize, cdOffset := le.Uint32(b[12:]), le.Uint32(b[16:])
	if entriesDisk != entries || disk != cdDisk {
		return directory{}, zipErrorf("multi-disk archive (disk %d, directory on disk %d)", disk, cdDisk)
	}
	dir := directory{entries: uint64(entries), offset: uint64(cdOffset), size: uint64(cdSize), end: eocdPos}
	if eocdPos >= zip64LocatorLen {
		loc, err := z.bytesAt(eocdPos-zip64LocatorLen, zip64LocatorLen, "zip64 locator")
		if err != nil {
			return directory{}, err
		}
		if le.Uint32(loc) == zip64LocatorSig {
			return z.readZip64(dir, eocdPos-zip64LocatorLen, loc)
		}
	}
	if cdSize == uint32max || cdOffset == uint32max {
		return directory{}, zipErrorf("truncated: zip64 end-of-central-directory locator missing")
	}
	return dir, nil
}

// readZip64 decodes the ZIP64 end-of-central-directory record the locator
// at locPos points to. The 32-bit fields of the plain record must either be
// saturated or agree with it.
func (z *zipReader) readZip64(plain directory, locPos int64, loc []byte) (directory, error) {
	le := binary.LittleEndian
	// One disk, as archive/zip also requires of a zip64 locator.
	if le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return directory{}, zipErrorf("multi-disk zip64 archive")
	}
	recOff := le.Uint64(loc[8:])
	if recOff > uint64(locPos) || uint64(locPos)-recOff < zip64EOCDLen {
		return directory{}, zipErrorf("zip64 end-of-central-directory record outside file")
	}
	rec, err := z.bytesAt(int64(recOff), zip64EOCDLen, "zip64 end-of-central-directory record")
	if err != nil {
		return directory{}, err
	}
	if le.Uint32(rec) != zip64EOCDSig {
		return directory{}, zipErrorf("no zip64 end-of-central-directory record at offset %d", recOff)
	}
	if recSize := le.Uint64(rec[4:]); recSize > uint64(locPos) || recOff+12+recSize != uint64(locPos) {
		return directory{}, zipErrorf("zip64 end-of-central-directory record does not end at its locator")
	}
	if le.Uint32(rec[16:]) != 0 || le.Uint32(rec[20:]) != 0 || le.Uint64(rec[24:]) != le.Uint64(rec[32:]) {
		return directory{}, zipErrorf("multi-disk zip64 archive")
	}
	dir := directory{entries: le.Uint64(rec[32:]), size: le.Uint64(rec[40:]), offset: le.Uint64(rec[48:]), end: int64(recOff)}
	if !agrees(plain.entries, dir.entries, uint16max) || !agrees(plain.size, dir.size, uint32max) ||
		!agrees(plain.offset, dir.offset, uint32max) {
		return directory{}, zipErrorf("end-of-central-directory and zip64 records disagree")
	}
	return dir, nil
}

// agrees reports whether a 32- or 16-bit field is either the ZIP64 marker
// or equal to the 64-bit value.
func agrees(plain, wide, marker uint64) bool {
	return plain == marker || plain == wide
}
