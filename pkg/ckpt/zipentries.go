package ckpt

import (
	"encoding/binary"
)

// zip64ExtraID tags the extra field that carries 64-bit sizes and offsets.
const zip64ExtraID = 0x0001

// dataDescriptorMin is the smallest data descriptor that follows the data
// of an entry whose flags have bit 3 set (torch.save sets it): CRC and two
// 32-bit sizes, without the optional signature.
const dataDescriptorMin = 12

// entry is what the central directory says about one archived file.
type entry struct {
	name     []byte
	flags    uint16
	compSize uint64
	offset   uint64
}

// checkCentralDirectory reads the central directory dir describes, checks
// that it holds exactly the announced entries, and that every entry's local
// header and data lie inside the file, before the central directory.
func (z *zipReader) checkCentralDirectory(dir directory) error {
	if dir.offset > uint64(z.size) || dir.size > uint64(z.size) || dir.offset+dir.size > uint64(z.size) {
		return zipErrorf("central directory outside file")
	}
	if end := dir.offset + dir.size; end != uint64(dir.end) {
		return zipErrorf("central directory ends at offset %d, end record is at %d", end, dir.end)
	}
	if dir.size > maxCentralDirectory {
		return zipErrorf("central directory too large (%d bytes)", dir.size)
	}
	if dir.entries > dir.size/cdHeaderLen {
		return zipErrorf("%d entries cannot fit in a central directory of %d bytes", dir.entries, dir.size)
	}
	buf, err := z.bytesAt(int64(dir.offset), int(dir.size), "central directory")
	if err != nil {
		return err
	}
	var count uint64
	var last entry // the entry whose data ends last, always read
	lastEnd := uint64(0)
	for p := 0; p < len(buf); count++ {
		e, n, err := parseCDHeader(buf[p:], count)
		if err != nil {
			return err
		}
		p += n
		if err := checkEntryBounds(e, localHeaderLen, dir.offset, z.size); err != nil {
			return err
		}
		if end := e.offset + e.compSize; end >= lastEnd {
			last, lastEnd = e, end
		}
		if count < maxLocalHeaderChecks {
			if err := z.checkLocalHeader(e, dir.offset); err != nil {
				return err
			}
		}
	}
	if count != dir.entries {
		return zipErrorf("central directory holds %d entries, end record says %d", count, dir.entries)
	}
	if count > maxLocalHeaderChecks {
		return z.checkLocalHeader(last, dir.offset)
	}
	return nil
}

// parseCDHeader decodes the central directory header at the start of b and
// returns it with its length.
func parseCDHeader(b []byte, index uint64) (entry, int, error) {
	le := binary.LittleEndian
	if len(b) < cdHeaderLen {
		return entry{}, 0, zipErrorf("central directory entry %d truncated", index)
	}
	if le.Uint32(b) != cdHeaderSig {
		return entry{}, 0, zipErrorf("central directory entry %d has a bad signature", index)
	}
	nameLen, extraLen, commentLen := int(le.Uint16(b[28:])), int(le.Uint16(b[30:])), int(le.Uint16(b[32:]))
	n := cdHeaderLen + nameLen + extraLen + commentLen
	if n > len(b) {
		return entry{}, 0, zipErrorf("central directory entry %d truncated", index)
	}
	e := entry{
		name:     b[cdHeaderLen : cdHeaderLen+nameLen],
		flags:    le.Uint16(b[8:]),
		compSize: uint64(le.Uint32(b[20:])),
		offset:   uint64(le.Uint32(b[42:])),
	}
	uncompSize := uint64(le.Uint32(b[24:]))
	needU, needC, needOff := uncompSize == uint32max, e.compSize == uint32max, e.offset == uint32max
	if needU || needC || needOff {
		extra := b[cdHeaderLen+nameLen : cdHeaderLen+nameLen+extraLen]
		c, off, ok := zip64Fields(extra, needU, needC, needOff)
		if !ok {
			return entry{}, 0, zipErrorf("entry %q: zip64 extra field missing or short", e.name)
		}
		if needC {
			e.compSize = c
		}
		if needOff {
			e.offset = off
		}
	}
	return e, n, nil
}

// zip64Fields reads the compressed size and local header offset from the
// ZIP64 extra field. Its 64-bit values appear in a fixed order, each only
// when the matching 32-bit field is saturated.
func zip64Fields(extra []byte, needU, needC, needOff bool) (compSize, offset uint64, ok bool) {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, size := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if 4+size > len(extra) {
			return 0, 0, false
		}
		field := extra[4 : 4+size]
		extra = extra[4+size:]
		if id != zip64ExtraID {
			continue
		}
		next := func() (uint64, bool) {
			if len(field) < 8 {
				return 0, false
			}
			v := le.Uint64(field)
			field = field[8:]
			return v, true
		}
		if needU {
			if _, ok := next(); !ok {
				return 0, 0, false
			}
		}
		if needC {
			if compSize, ok = next(); !ok {
				return 0, 0, false
			}
		}
		if needOff {
			if offset, ok = next(); !ok {
				return 0, 0, false
			}
		}
		return compSize, offset, true
	}
	return 0, 0, false
}

// checkEntryBounds checks that an entry whose local header is headerLen
// bytes long has its header and data before the central directory at
// cdOffset, naming which limit it crosses.
func checkEntryBounds(e entry, headerLen, cdOffset uint64, size int64) error {
	end, overflow := e.offset+headerLen, e.offset > uint64(size)
	if e.flags&0x8 != 0 {
		end += dataDescriptorMin
	}
	if !overflow && e.compSize <= uint64(size) {
		end += e.compSize
	} else {
		overflow = true
	}
	switch {
	case overflow || end > uint64(size):
		return zipErrorf("entry %q extends past end of file", e.name)
	case end > cdOffset:
		return zipErrorf("entry %q overlaps the central directory", e.name)
	}
	return nil
}

// checkLocalHeader reads the 30-byte local header of e and checks its
// signature, that it names a file of the same length as the central
// directory does, and that its data ends before the central directory.
func (z *zipReader) checkLocalHeader(e entry, cdOffset uint64) error {
	b, err := z.bytesAt(int64(e.offset), localHeaderLen, "local header")
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	if le.Uint32(b) != localHeaderSig {
		return zipErrorf("entry %q: no local header at offset %d", e.name, e.offset)
	}
	nameLen, extraLen := uint64(le.Uint16(b[26:])), uint64(le.Uint16(b[28:]))
	if nameLen != uint64(len(e.name)) {
		return zipErrorf("entry %q: local header names a different file", e.name)
	}
	return checkEntryBounds(e, localHeaderLen+nameLen+extraLen, cdOffset, z.size)
}
