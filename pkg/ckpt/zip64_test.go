package ckpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// withZip64End rewrites the end of a small archive the way a ZIP64 writer
// ends it: a ZIP64 end record and locator before the plain end record,
// whose fields are all saturated.
func withZip64End(t testing.TB, b []byte) []byte {
	t.Helper()
	eocd := eocdOffset(b)
	le := binary.LittleEndian
	entries := uint64(le.Uint16(b[eocd+10:]))
	cdSize, cdOff := uint64(le.Uint32(b[eocd+12:])), uint64(le.Uint32(b[eocd+16:]))
	if cdOff+cdSize != uint64(eocd) {
		t.Fatalf("archive has data between central directory and end record")
	}
	out := bytes.Clone(b[:eocd])
	recOff := uint64(len(out))
	out = le.AppendUint32(out, zip64EOCDSig)
	out = le.AppendUint64(out, zip64EOCDLen-12)
	out = le.AppendUint16(out, 45)
	out = le.AppendUint16(out, 45)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint64(out, entries)
	out = le.AppendUint64(out, entries)
	out = le.AppendUint64(out, cdSize)
	out = le.AppendUint64(out, cdOff)
	out = le.AppendUint32(out, zip64LocatorSig)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint64(out, recOff)
	out = le.AppendUint32(out, 1)
	out = le.AppendUint32(out, eocdSig)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint16(out, 0xffff)
	out = le.AppendUint16(out, 0xffff)
	out = le.AppendUint32(out, 0xffffffff)
	out = le.AppendUint32(out, 0xffffffff)
	out = le.AppendUint16(out, 0)
	return out
}

func TestCheckZip64EndRecords(t *testing.T) {
	z64 := withZip64End(t, torchZip(t))
	if _, err := zip.NewReader(bytes.NewReader(z64), int64(len(z64))); err != nil {
		t.Fatalf("archive/zip rejects the ZIP64 test archive: %v", err)
	}
	eocd := eocdOffset(z64)
	loc, rec := eocd-zip64LocatorLen, eocd-zip64LocatorLen-zip64EOCDLen
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"zip64 end records", z64, ""},
		{"locator points past the record", patched(z64, loc+8, uint32(rec-1)), "no zip64 end-of-central-directory record"},
		{"locator points past itself", patched(z64, loc+8, uint32(loc)), "outside file"},
		{"record disagrees on the entry count", patched(z64, rec+32, uint32(2)), "zip64 archive"},
		{"record moves the central directory", patched(z64, rec+48, uint32(1)), "central directory ends at offset"},
		{"record size wrong", patched(z64, rec+4, uint32(40)), "does not end at its locator"},
		{"plain record disagrees", patched(z64, eocd+16, uint32(5)), "disagree"},
		{"cut inside the zip64 record", append(bytes.Clone(z64[:rec+20]), z64[loc:]...), "zip64"},
		{"cut before the locator", z64[:loc+10], "truncated: no end-of-central-directory record"},
	}
	for _, tt := range tests {
		err := checkBytes(tt.data)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: CheckZip = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: CheckZip = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// TestCheckZipSparseZip64 checks a real ZIP64 archive whose entries sit
// beyond 4 GiB. The file is sparse: the 4.5 GiB entry is a hole.
func TestCheckZipSparseZip64(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model_004000.pt")
	const hole = 4<<30 + 1<<29
	if err := ckpttest.WriteSparseZip(path, ckpttest.Stem, hole); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	size := info.Size()
	zr, err := zip.NewReader(f, size)
	if err != nil {
		t.Fatalf("archive/zip rejects the sparse archive: %v", err)
	}
	last := zr.File[len(zr.File)-1]
	if off, _ := last.DataOffset(); off <= 1<<32 {
		t.Fatalf("last entry's data at %d, want beyond 4 GiB", off)
	}

	cr := &countingReaderAt{r: f}
	if err := CheckZip(cr, size); err != nil {
		t.Fatalf("CheckZip(sparse zip64) = %v", err)
	}
	if got := cr.n.Load(); got > 64<<10 {
		t.Errorf("CheckZip read %d bytes of a %d-byte archive", got, size)
	}

	// Point the last entry's local header offset (in its zip64 extra, the
	// last 8 bytes of its central directory record) into the hole.
	cdEnd := size - eocdLen - zip64LocatorLen - zip64EOCDLen
	var off [8]byte
	binary.LittleEndian.PutUint64(off[:], 1<<32+12345)
	if _, err := f.WriteAt(off[:], cdEnd-8); err != nil {
		t.Fatal(err)
	}
	if err := CheckZip(f, size); err == nil || !strings.Contains(err.Error(), "no local header") {
		t.Errorf("CheckZip(local header offset into the hole) = %v, want no local header", err)
	}

	for _, cut := range []int64{size - 1, size - eocdLen, cdEnd - 10, hole} {
		if err := f.Truncate(cut); err != nil {
			t.Fatal(err)
		}
		if err := CheckZip(f, cut); err == nil {
			t.Errorf("CheckZip(archive cut to %d of %d bytes) = nil, want an error", cut, size)
		}
	}
}
