package ckpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// zipOf returns an archive of the named entries, stored, with comment.
func zipOf(t testing.TB, comment string, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, name := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(bytes.Repeat([]byte{byte('a' + i)}, 100+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.SetComment(comment); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func torchZip(t testing.TB) []byte {
	t.Helper()
	b, err := ckpttest.TorchZip(ckpttest.Stem, bytes.Repeat([]byte{7}, 1000))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eocdOffset returns where b's end-of-central-directory record starts.
func eocdOffset(b []byte) int { return bytes.LastIndex(b, []byte("PK\x05\x06")) }

// patched returns a copy of b with a little-endian value written at off.
func patched(b []byte, off int, v any) []byte {
	c := bytes.Clone(b)
	switch v := v.(type) {
	case uint16:
		binary.LittleEndian.PutUint16(c[off:], v)
	case uint32:
		binary.LittleEndian.PutUint32(c[off:], v)
	}
	return c
}

func checkBytes(b []byte) error { return CheckZip(bytes.NewReader(b), int64(len(b))) }

func TestCheckZip(t *testing.T) {
	valid := torchZip(t)
	eocd := eocdOffset(valid)
	cdOff := int(binary.LittleEndian.Uint32(valid[eocd+16:]))
	cdSize := int(binary.LittleEndian.Uint32(valid[eocd+12:]))
	commented := zipOf(t, "a comment", "archive/data.pkl", "archive/data/0")
	longComment := zipOf(t, strings.Repeat("c", 60000), "archive/data.pkl")
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := []byte("PK\x03\x04")
	for range 5000 {
		garbage = append(garbage, byte(rng.IntN(256)))
	}
	// The central directory with its middle removed, the end record kept.
	spliced := append(bytes.Clone(valid[:cdOff+cdSize/2]), valid[eocd:]...)

	tests := []struct {
		name string
		data []byte
		want string // substring of the error; "" for a valid archive
	}{
		{"torch-like archive", valid, ""},
		{"archive with comment", commented, ""},
		{"comment longer than the first tail read", longComment, ""},
		{"empty archive", zipOf(t, ""), ""},
		{"zero bytes", nil, "empty file"},
		{"shorter than an end record", []byte("PK\x05\x06"), "too short"},
		{"garbage that starts like a zip", garbage, "truncated: no end-of-central-directory record"},
		{"one byte short", valid[:len(valid)-1], "truncated: no end-of-central-directory record"},
		{"cut inside the central directory", valid[:cdOff+cdSize/2], "truncated: no end-of-central-directory record"},
		{"cut inside the comment", commented[:len(commented)-3], "truncated: no end-of-central-directory record"},
		{"central directory with its middle cut out", spliced, "central directory"},
		{"one byte appended", append(bytes.Clone(valid), 0), "truncated: no end-of-central-directory record"},
		{"entry count too high", patched(valid, eocd+8, uint16(4)), "multi-disk"},
		{"entry count too low on both fields",
			patched(patched(valid, eocd+8, uint16(2)), eocd+10, uint16(2)), "central directory is not 2 well-formed entries"},
		{"entry count impossibly high", patched(patched(valid, eocd+8, uint16(500)), eocd+10, uint16(500)), "central directory is not 500 well-formed entries"},
		// Offsets are absolute: torch.save never prepends data.
		{"data prepended", append([]byte("#!/bin/sh\n"), valid...), "central directory ends at offset"},
		{"central directory offset past the end", patched(valid, eocd+16, uint32(len(valid)+10)), "central directory outside file"},
		{"central directory size too large", patched(valid, eocd+12, uint32(cdSize+1)), "central directory ends at offset"},
		{"local header offset into data", patched(valid, cdOff+42, uint32(10)), `entry "archive/data.pkl": no local header`},
		{"entry data past the end", patched(valid, cdOff+20, uint32(1<<30)), `entry "archive/data.pkl" extends past end of file`},
		{"entry data over the central directory", patched(valid, cdOff+20, uint32(cdOff)), "overlaps the central directory"},
		{"bad central directory signature", patched(valid, cdOff, uint32(0x02014b51)), "central directory is not 3 well-formed entries"},
		{"zip64 markers without a locator", patched(valid, eocd+16, uint32(0xffffffff)), "zip64 end-of-central-directory locator missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBytes(tt.data)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckZip = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("CheckZip = nil, want an error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("CheckZip = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCheckZipRejectsEveryTruncation(t *testing.T) {
	for name, data := range map[string][]byte{
		"torch-like": torchZip(t),
		"commented":  zipOf(t, "a comment", "archive/data.pkl", "archive/data/0", "archive/version"),
	} {
		if err := checkBytes(data); err != nil {
			t.Fatalf("%s: full archive rejected: %v", name, err)
		}
		for n := range len(data) {
			if err := checkBytes(data[:n]); err == nil {
				t.Errorf("%s: prefix of %d of %d bytes accepted", name, n, len(data))
			}
		}
	}
}

// TestCheckZipFixtures runs the check on archives written by torch.save.
func TestCheckZipFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "nanochat-ckpt", "*.pt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture archives: %v", err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, zipErr := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		wantValid := zipErr == nil
		// Python's zipfile says the same: only model_001500.pt is torn.
		if got, want := wantValid, filepath.Base(path) != "model_001500.pt"; got != want {
			t.Fatalf("archive/zip on %s: valid = %v, want %v", path, got, want)
		}
		if err := checkBytes(data); (err == nil) != wantValid {
			t.Errorf("CheckZip(%s) = %v, want valid = %v", filepath.Base(path), err, wantValid)
		}
		if !wantValid {
			continue
		}
		// Every truncation, sampled: a 60 KiB file has 60 K prefixes.
		for n := 0; n < len(data); n += 1 + n/64 {
			if err := checkBytes(data[:n]); err == nil {
				t.Errorf("%s: prefix of %d of %d bytes accepted", filepath.Base(path), n, len(data))
			}
		}
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

func TestCheckZipReadsLittle(t *testing.T) {
	small := zipOf(t, "", "a", "b", "c")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"a", "b", "c"} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{small, buf.Bytes()} {
		cr := &countingReaderAt{r: bytes.NewReader(data)}
		if err := CheckZip(cr, int64(len(data))); err != nil {
			t.Fatalf("CheckZip = %v", err)
		}
		if got, limit := cr.n.Load(), int64(firstTailLen+3*localHeaderLen); got > limit {
			t.Errorf("CheckZip read %d bytes of a %d-byte archive, want at most %d", got, len(data), limit)
		}
	}
}

// A file that shrank between its stat and the read is cut short, whether
// some or none of the bytes asked for are left.
func TestReadFullShortIsUnexpectedEOF(t *testing.T) {
	r := strings.NewReader("0123456789")
	buf := make([]byte, 4)
	for _, off := range []int64{8, 20} {
		if err := readFull(r, buf, off); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("readFull at %d of 10 bytes = %v, want io.ErrUnexpectedEOF", off, err)
		}
	}
	if err := readFull(r, buf, 2); err != nil {
		t.Errorf("readFull inside the data = %v, want nil", err)
	}
}
