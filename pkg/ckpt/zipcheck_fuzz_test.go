package ckpt

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// FuzzCheckZip checks three things on every input: CheckZip never panics
// on arbitrary bytes; whatever it accepts archive/zip can open; and an
// archive built from the input is accepted while every strict prefix of it
// is rejected, so a truncated file is never taken for a complete one.
func FuzzCheckZip(f *testing.F) {
	valid := torchZip(f)
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(withZip64End(f, valid))
	f.Add(zipOf(f, "comment", "a", "b"))
	f.Add([]byte("PK\x03\x04 this is not a zip at all"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkBytes(data)
		if err == nil {
			if _, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data))); zerr != nil {
				t.Fatalf("CheckZip accepted what archive/zip rejects: %v", zerr)
			}
		}
		if len(data) > 512 {
			return
		}
		archive := archiveFrom(t, data)
		if err := checkBytes(archive); err != nil {
			t.Fatalf("CheckZip rejected an archive written by archive/zip: %v", err)
		}
		// Every cut in the last 160 bytes, through the end records and
		// the central directory; every fifth cut before that, through
		// entries, where every cut loses the same end records.
		for n := 0; n < len(archive); n++ {
			if n < len(archive)-160 {
				n += 4
			}
			if err := checkBytes(archive[:n]); err == nil {
				t.Fatalf("CheckZip accepted a prefix of %d of %d bytes", n, len(archive))
			}
		}
	})
}

// archiveFrom writes an archive whose entry names, contents and comment
// come from data. The byte 'P' is replaced everywhere, so no zip signature
// (all start "PK") can appear except where archive/zip writes one: a
// prefix of the archive cannot hide a second, shorter archive.
func archiveFrom(t *testing.T, data []byte) []byte {
	clean := bytes.ReplaceAll(data, []byte("P"), []byte("p"))
	// At most 8 entries keeps the archive, and the number of its
	// prefixes to check, small.
	parts := bytes.SplitN(clean, []byte{0}, 9)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, p := range parts[:len(parts)-1] {
		// A name ending in "/" would make a directory entry, which has no content.
		name := strings.ReplaceAll(string(p[:min(len(p), 16)]), "/", "_") + "e"
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Flags: uint16(i%2) * 0x8})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	comment := string(parts[len(parts)-1])
	if err := zw.SetComment(comment[:min(len(comment), 200)]); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
