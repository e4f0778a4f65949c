package ckpttest_test

import (
	"archive/zip"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

func TestWriteStep(t *testing.T) {
	dir := t.TempDir()
	if err := ckpttest.WriteStep(dir, 2000, 3, 0.8123); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"meta_002000.json", "model_002000.pt", "optim_002000_rank0.pt", "optim_002000_rank1.pt", "optim_002000_rank2.pt"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	zr, err := zip.OpenReader(filepath.Join(dir, "model_002000.pt"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var archived []string
	for _, f := range zr.File {
		archived = append(archived, f.Name)
	}
	if want := []string{"archive/data.pkl", "archive/data/0", "archive/version"}; !reflect.DeepEqual(archived, want) {
		t.Errorf("archive entries %v, want %v", archived, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "meta_002000.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ckpt.ParseMeta(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Step != 2000 || m.ValBPB == nil || *m.ValBPB != 0.8123 || m.LoopState["min_val_bpb"] != 0.8123 {
		t.Errorf("meta = %+v, want step 2000 with val_bpb 0.8123", m)
	}
}

func TestMetaJSONEvalOff(t *testing.T) {
	m, err := ckpt.ParseMeta(ckpttest.MetaJSON(5, math.NaN(), 250))
	if err != nil {
		t.Fatal(err)
	}
	if m.ValBPB != nil || !math.IsInf(m.LoopState["min_val_bpb"].(float64), 1) || m.UserInt("save_every") != 250 {
		t.Errorf("meta = %+v, want null val_bpb, min_val_bpb Infinity, save_every 250", m)
	}
}

// TestWriteSparseZip reads the hole back through archive/zip, which checks
// the CRC at the end of the entry.
func TestWriteSparseZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.pt")
	const hole = 3<<20 + 12345 // not a multiple of the chunk size
	if err := ckpttest.WriteSparseZip(path, ckpttest.Stem, hole); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 3 || zr.File[1].Name != "archive/data/0" {
		t.Fatalf("entries %d, second %q; want 3 with archive/data/0 second", len(zr.File), zr.File[1].Name)
	}
	rc, err := zr.File[1].Open()
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	if err != nil || n != hole {
		t.Errorf("read %d bytes of the hole, err %v; want %d and a matching CRC", n, err, hole)
	}
	if err := ckpttest.WriteSparseZip(path, ckpttest.Stem, -1); err == nil {
		t.Error("negative hole accepted")
	}
}
