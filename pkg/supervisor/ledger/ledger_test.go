package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func rec(run, event string, i int) Record {
	return Record{Time: t0.Add(time.Duration(i) * time.Second), Run: run, Event: event, Fields: map[string]any{"i": i}}
}

func openT(t testing.TB, dir string) *Ledger {
	t.Helper()
	l, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// readAll returns every record and problem of the journal in dir.
func readAll(t testing.TB, dir string) ([]Record, []int, []Problem) {
	t.Helper()
	var recs []Record
	var lines []int
	problems, err := ReadJournal(dir, func(line int, r Record) error {
		recs = append(recs, r)
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadJournal: %v", err)
	}
	return recs, lines, problems
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func TestAppendReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	want := []Record{
		{Time: t0, Run: "d20", Event: "job_resubmitted", Fields: map[string]any{"job_id": "123", "attempt": float64(2)},
			State: json.RawMessage(`{"phase":"running","attempts":2}`)},
		{Time: t0.Add(time.Minute), Event: "config_reloaded"},
		{Time: t0.Add(2 * time.Minute), Run: "d24", Event: "run_stopped", Fields: map[string]any{"reason": "user \"cancel\"\n"}},
	}
	if err := l.Append(want[0]); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(want[1:]...); err != nil {
		t.Fatal(err)
	}
	got, lines, problems := readAll(t, dir)
	if len(problems) != 0 {
		t.Errorf("problems = %v, want none", problems)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("record %d:\n got %s\nwant %s", i, g, w)
		}
		if lines[i] != i+1 {
			t.Errorf("record %d line = %d, want %d", i, lines[i], i+1)
		}
	}
	if got, want := l.Dir(), dir; got != want {
		t.Errorf("Dir() = %q, want %q", got, want)
	}
}

func TestAppendRejectsInvalidRecordsWholesale(t *testing.T) {
	tests := []struct {
		name string
		bad  Record
		want string
	}{
		{"no event", Record{Time: t0}, "record 2: event is empty"},
		{"no time", Record{Event: "x"}, "record 2 (x): time is zero"},
		{"bad state", Record{Time: t0, Event: "x", State: json.RawMessage(`{`)}, "record 2 (x)"},
		{"bad field", Record{Time: t0, Event: "x", Fields: map[string]any{"f": func() {}}}, "record 2 (x)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openT(t, dir)
			err := l.Append(rec("a", "ok", 1), tt.bad)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Append error = %v, want it to contain %q", err, tt.want)
			}
			if got, _, _ := readAll(t, dir); len(got) != 0 {
				t.Errorf("journal has %d records after a rejected Append, want 0", len(got))
			}
		})
	}
}

func TestTornLastLineIsReportedAndAppendGoesOn(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	if err := l.Append(rec("a", "one", 1), rec("a", "two", 2)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	full, _ := json.Marshal(rec("a", "three", 3))
	half := string(full[:len(full)/2])
	appendFile(t, filepath.Join(dir, JournalFile), half)

	got, _, problems := readAll(t, dir)
	if len(got) != 2 {
		t.Errorf("got %d records before reopening, want 2", len(got))
	}
	if len(problems) != 1 {
		t.Fatalf("problems = %v, want exactly one", problems)
	}
	p := problems[0]
	if p.File != JournalFile || p.Line != 3 || !strings.Contains(p.Err, "torn") || p.Text != half {
		t.Errorf("problem = %+v, want journal.jsonl line 3, torn, text %q", p, half)
	}

	l = openT(t, dir)
	if err := l.Append(rec("a", "four", 4)); err != nil {
		t.Fatal(err)
	}
	got, lines, problems := readAll(t, dir)
	if len(got) != 3 || got[2].Event != "four" || lines[2] != 4 {
		t.Errorf("after reopen: %d records, last %q at line %d; want 3, \"four\" at line 4", len(got), got[len(got)-1].Event, lines[len(lines)-1])
	}
	if len(problems) != 1 || problems[0].Line != 3 {
		t.Errorf("after reopen: problems = %v, want one at line 3", problems)
	}
}

func TestOpenDoesNotAddNewlineToCleanJournal(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	if err := l.Append(rec("a", "one", 1)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	before, _ := os.ReadFile(filepath.Join(dir, JournalFile))
	l = openT(t, dir)
	l.Close()
	after, _ := os.ReadFile(filepath.Join(dir, JournalFile))
	if string(after) != string(before) {
		t.Errorf("reopening changed the journal:\n got %q\nwant %q", after, before)
	}
}

func TestModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "nanosupervisord")
	l := openT(t, dir)
	if err := l.Append(rec("a", "one", 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.SaveState(map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	checkMode(t, dir, 0o700|os.ModeDir)
	checkMode(t, filepath.Join(dir, JournalFile), 0o600)
	checkMode(t, filepath.Join(dir, StateFile), 0o600)

	// A journal made readable by others is made private again on Open.
	l.Close()
	if err := os.Chmod(filepath.Join(dir, JournalFile), 0o644); err != nil {
		t.Fatal(err)
	}
	openT(t, dir)
	checkMode(t, filepath.Join(dir, JournalFile), 0o600)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
		t.Errorf("mode of %s = %v, want %v", filepath.Base(path), got, want)
	}
}

func TestConcurrentAppend(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				r := rec(fmt.Sprintf("run%d", g), "tick", i)
				r.Fields["pad"] = strings.Repeat("p", 100*(i%7))
				if err := l.Append(r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _, problems := readAll(t, dir)
	if len(problems) != 0 {
		t.Errorf("problems = %v, want none", problems)
	}
	if len(got) != writers*each {
		t.Fatalf("got %d records, want %d", len(got), writers*each)
	}
	next := map[string]int{}
	for _, r := range got {
		if i := int(r.Fields["i"].(float64)); i != next[r.Run] {
			t.Fatalf("run %s: record %d follows %d", r.Run, i, next[r.Run]-1)
		}
		next[r.Run]++
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := l.Append(rec("a", "late", 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if err := l.SaveState(1); !errors.Is(err, ErrClosed) {
		t.Errorf("SaveState after Close = %v, want ErrClosed", err)
	}
}

// A journal its owner can write but not read (mode 0200) is made private
// (0600) before it is read, so Open still works. Root ignores file modes:
// run as another user (e.g. go test -c, then setpriv --reuid=65534).
func TestOpenWriteOnlyJournal(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root ignores file modes")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, JournalFile)
	if err := os.WriteFile(p, []byte(`{"time":"2026-03-01T12:00:00Z","event":"x"}`+"\n"), 0o200); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o200); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer l.Close()
	if err := l.Append(Record{Time: time.Now(), Event: "y"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}
