package ledger

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testState struct {
	Runs map[string]string `json:"runs"`
	N    int               `json:"n"`
}

func TestSaveLoadState(t *testing.T) {
	dir := t.TempDir()
	var got testState
	found, err := LoadState(dir, &got)
	if found || err != nil {
		t.Fatalf("LoadState before any save = %v, %v; want false, nil", found, err)
	}
	l := openT(t, dir)
	for n := 1; n <= 3; n++ {
		want := testState{Runs: map[string]string{"d20": "running"}, N: n}
		if err := l.SaveState(want); err != nil {
			t.Fatal(err)
		}
		found, err := LoadState(dir, &got)
		if !found || err != nil {
			t.Fatalf("LoadState = %v, %v; want true, nil", found, err)
		}
		if got.N != want.N || got.Runs["d20"] != "running" {
			t.Errorf("LoadState = %+v, want %+v", got, want)
		}
	}
	if leftovers := dirEntries(t, dir); strings.Join(leftovers, " ") != "journal.jsonl state.json" {
		t.Errorf("directory holds %v, want only journal.jsonl and state.json", leftovers)
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A failed SaveState must leave the previous snapshot in place. Permission
// tricks do not work for root, so the failure is a value json.Marshal
// rejects; the temp-file path is exercised by the rename test below.
func TestSaveStateFailureKeepsPrevious(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	if err := l.SaveState(testState{N: 7}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, StateFile))
	for _, bad := range []any{func() {}, make(chan int), map[string]any{"x": json.RawMessage(`{`)}} {
		if err := l.SaveState(bad); err == nil {
			t.Errorf("SaveState(%T) = nil, want an error", bad)
		}
	}
	after, _ := os.ReadFile(filepath.Join(dir, StateFile))
	if string(after) != string(before) {
		t.Errorf("state.json changed by failed saves:\n got %s\nwant %s", after, before)
	}
}

// When the rename itself fails (state.json is a non-empty directory), the
// temp file is removed and nothing named state.json is replaced.
func TestSaveStateRenameFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	if err := os.MkdirAll(filepath.Join(dir, StateFile, "occupied"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := l.SaveState(testState{N: 1})
	if err == nil || !strings.Contains(err.Error(), StateFile) {
		t.Fatalf("SaveState over a directory = %v, want an error naming %s", err, StateFile)
	}
	if got := dirEntries(t, dir); strings.Join(got, " ") != "journal.jsonl state.json" {
		t.Errorf("directory holds %v after the failed save, want no temp files", got)
	}
}

func TestLoadStateCorrupt(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"syntax", "{\n  \"n\": 1,\n  oops\n}\n", "state.json:3: invalid character 'o'"},
		{"type", "{\n  \"n\": \"seven\"\n}\n", "state.json:2: json: cannot unmarshal string"},
		{"truncated", "{\n  \"n\": 1,\n", "state.json:3: unexpected end of JSON input"},
		{"empty", "", "state.json: empty state file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, StateFile), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var s testState
			found, err := LoadState(dir, &s)
			if found || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadState = %v, %v; want false and an error containing %q", found, err, tt.want)
			}
		})
	}
}

func TestOpenRemovesOnlyOldStateTemps(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".state.json123456")
	fresh := filepath.Join(dir, ".state.json789")
	other := filepath.Join(dir, ".state.jsonX1")
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	openT(t, dir)
	for _, c := range []struct {
		path string
		want bool
	}{{old, false}, {fresh, true}, {other, true}} {
		_, err := os.Stat(c.path)
		if got := err == nil; got != c.want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(c.path), got, c.want)
		}
	}
}
