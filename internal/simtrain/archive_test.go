package simtrain

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"regexp"
	"testing"
)

// entryPattern is the layout torch.save writes for a file path: every entry
// under the file's stem.
var entryPattern = regexp.MustCompile(`^(model_\d{6}|optim_\d{6}_rank\d+)/(data\.pkl|byteorder|version|data/\d+)$`)

func readZip(t *testing.T, data []byte) *zip.Reader {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a valid zip: %v", err)
	}
	return zr
}

func entryNames(zr *zip.Reader) []string {
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

func TestTorchArchiveLayout(t *testing.T) {
	data, err := TorchArchive("model_002000.pt", 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	zr := readZip(t, data)
	names := entryNames(zr)
	want := []string{"model_002000/data.pkl", "model_002000/byteorder",
		"model_002000/data/0", "model_002000/data/1", "model_002000/data/10", "model_002000/data/11",
		"model_002000/data/12", "model_002000/data/13", "model_002000/data/14", "model_002000/data/15",
		"model_002000/data/2", "model_002000/data/3", "model_002000/data/4", "model_002000/data/5",
		"model_002000/data/6", "model_002000/data/7", "model_002000/data/8", "model_002000/data/9",
		"model_002000/version"}
	if len(names) != len(want) {
		t.Fatalf("entries = %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, names[i], want[i])
		}
	}
	for _, f := range zr.File {
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want stored (0) like torch.save", f.Name, f.Method)
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		if off%torchAlignment != 0 {
			t.Errorf("%s: data at offset %d, want a multiple of %d", f.Name, off, torchAlignment)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil { // checks the CRC
			t.Errorf("%s: %v", f.Name, err)
		}
		rc.Close()
	}
	if got, lo, hi := len(data), 60<<10, 68<<10; got < lo || got > hi {
		t.Errorf("size = %d, want within %d..%d of the requested 64 KiB", got, lo, hi)
	}
}

func TestTorchArchiveIsDeterministic(t *testing.T) {
	a, _ := TorchArchive("optim_000100_rank1.pt", 10000)
	b, _ := TorchArchive("optim_000100_rank1.pt", 10000)
	c, _ := TorchArchive("optim_000100_rank0.pt", 10000)
	if !bytes.Equal(a, b) {
		t.Error("same name and size gave different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("different files gave identical bytes")
	}
}

// The real torch.save fixture has the same shape as what TorchArchive writes,
// so whatever reads nanochat's files reads simtrain's.
func TestTorchArchiveMatchesRealTorchSaveLayout(t *testing.T) {
	real, err := os.ReadFile("testdata/model_000500.pt")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range entryNames(readZip(t, real)) {
		if !entryPattern.MatchString(name) {
			t.Errorf("real torch.save entry %q does not match the layout simtrain assumes", name)
		}
	}
	ours, _ := TorchArchive("model_000500.pt", int64(len(real)))
	for _, name := range entryNames(readZip(t, ours)) {
		if !entryPattern.MatchString(name) {
			t.Errorf("simtrain entry %q does not match torch.save's layout", name)
		}
	}
}

func TestTornArchiveIsNotAZip(t *testing.T) {
	data, _ := TorchArchive("model_000100.pt", 8192)
	for _, n := range []int{0, 1, len(data) / 3, len(data) / 2, len(data) - 1} {
		if _, err := zip.NewReader(bytes.NewReader(data[:n]), int64(n)); err == nil {
			t.Errorf("first %d of %d bytes read as a valid zip", n, len(data))
		}
	}
	real, err := os.ReadFile("testdata/model_001500.pt") // truncated by a real kill
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zip.NewReader(bytes.NewReader(real), int64(len(real))); err == nil {
		t.Error("real torn fixture read as a valid zip")
	}
}

func TestPickleSummaryIsProtocol2(t *testing.T) {
	got := pickleSummary("model_000001", 16)
	if !bytes.HasPrefix(got, []byte{0x80, 2}) || !bytes.HasSuffix(got, []byte("u.")) {
		t.Errorf("pickle = %q, want PROTO 2 ... SETITEMS STOP", got)
	}
	if !bytes.Contains(got, []byte("model_000001")) {
		t.Errorf("pickle = %q, want it to name the file", got)
	}
}
