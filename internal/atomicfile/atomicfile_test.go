package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteFileReplacesWithMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new" {
		t.Fatalf("content %q, %v; want new", got, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v; want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the directory; want only the target (no temp left)", len(entries))
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "f"), nil, 0o600); err == nil {
		t.Errorf("no error writing into a missing directory")
	}
}

func TestWriteSynced(t *testing.T) {
	dir := t.TempDir()
	f, err := os.CreateTemp(dir, ".state.json.tmp")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSynced(f, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(f.Name()); err != nil || string(got) != "new" {
		t.Errorf("content %q, %v; want new", got, err)
	}
	if err := f.Close(); err == nil {
		t.Error("the file is still open after WriteSynced")
	}

	// A file that cannot be written is removed, not left half-written.
	path := filepath.Join(dir, "readonly")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSynced(ro, []byte("new")); err == nil || !strings.Contains(err.Error(), "write "+path) {
		t.Errorf("WriteSynced to a read-only file = %v; want an error naming it", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a failed WriteSynced: stat = %v; want the file removed", err)
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".state.json123456", true},
		{".state.json1", true},
		{".state.json", false},
		{"state.json", false},
		{".state.jsonX1", false},
		{".state.json.tmp123", false},
		{".state.json12a", false},
		{".lease.json123", false},
	}
	for _, tt := range tests {
		if got := IsTemp(tt.name, "state.json"); got != tt.want {
			t.Errorf("IsTemp(%q, state.json) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// RemoveStale removes only regular files that the predicate accepts and
// that are older than staleAge; a write in progress is younger.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-staleAge - time.Minute)
	files := []struct {
		name     string
		age      time.Time
		dir      bool
		wantGone bool
	}{
		{name: ".state.json123", age: old, wantGone: true},
		{name: ".state.json456", age: time.Now()},
		{name: "state.json", age: old},
		{name: ".state.json789", age: old, dir: true},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		var err error
		if f.dir {
			err = os.Mkdir(path, 0o700)
		} else {
			err = os.WriteFile(path, []byte("{"), 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, f.age, f.age); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStale(dir, func(name string) bool { return IsTemp(name, "state.json") })
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if gone := errors.Is(err, fs.ErrNotExist); gone != f.wantGone {
			t.Errorf("%s removed = %v, want %v", f.name, gone, f.wantGone)
		}
	}
	RemoveStale(filepath.Join(dir, "missing"), func(string) bool { return true }) // no panic, nothing to do
}
