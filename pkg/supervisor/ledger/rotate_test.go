package ledger

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func stateRec(run string, i int) Record {
	r := rec(run, "decided", i)
	r.State = json.RawMessage(fmt.Sprintf(`{"run":%q,"i":%d}`, run, i))
	return r
}

func TestLastStatesPicksNewestPerRun(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	recs := []Record{
		stateRec("d20", 1),
		stateRec("d24", 2),
		stateRec("d20", 3),
		rec("d20", "no_state_change", 4),
		{Time: t0, Run: "d20", Event: "null_state", State: json.RawMessage("null")},
		{Time: t0, Event: "global", State: json.RawMessage(`{"ignored":true}`)},
	}
	// A clock that stepped back must not make an older state win.
	recs[2].Time = t0.Add(-24 * time.Hour)
	if err := l.Append(recs...); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(dir, JournalFile), "garbage\n")
	got, problems, err := LastStates(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"d20": `{"run":"d20","i":3}`, "d24": `{"run":"d24","i":2}`}
	if len(got) != len(want) {
		t.Errorf("LastStates has %d runs, want %d: %v", len(got), len(want), got)
	}
	for run, w := range want {
		if string(got[run]) != w {
			t.Errorf("LastStates[%s] = %s, want %s", run, got[run], w)
		}
	}
	if len(problems) != 1 || problems[0].Line != 7 {
		t.Errorf("problems = %v, want one at line 7", problems)
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	l.maxBytes = 2048
	// d24's only state comes first; many rotations later it must still be
	// found, carried from journal to journal.
	if err := l.Append(stateRec("d24", 0)); err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := 1; i <= n; i++ {
		r := rec("d20", "tick", i)
		if i%10 == 0 {
			r = stateRec("d20", i)
		}
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{JournalFile, RotatedJournalFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Size() > 2048+512 {
			t.Errorf("%s is %d bytes, want about the 2048-byte limit", name, fi.Size())
		}
		checkMode(t, filepath.Join(dir, name), 0o600)
	}

	// ReadJournal reads the rotated file first: ticks come in order and end
	// with the newest.
	got, _, problems := readAll(t, dir)
	if len(problems) != 0 {
		t.Errorf("problems = %v, want none", problems)
	}
	last := 0
	for _, r := range got {
		if r.Event == EventStateCarried {
			continue
		}
		i := int(r.Fields["i"].(float64))
		if i != last+1 && last != 0 {
			t.Fatalf("record %d follows %d", i, last)
		}
		last = i
	}
	if last != n {
		t.Errorf("newest record read = %d, want %d", last, n)
	}

	states, _, err := LastStates(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(states["d24"]), `{"run":"d24","i":0}`; got != want {
		t.Errorf("d24 state after rotations = %s, want %s", got, want)
	}
	if got, want := string(states["d20"]), fmt.Sprintf(`{"run":"d20","i":%d}`, n); got != want {
		t.Errorf("d20 state after rotations = %s, want %s", got, want)
	}
}

func TestRotationDisabled(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	l.maxBytes = 0
	for i := range 50 {
		if err := l.Append(rec("a", "tick", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, RotatedJournalFile)); err == nil {
		t.Errorf("%s exists with rotation disabled", RotatedJournalFile)
	}
}

// A crash between the two renames of a rotation leaves journal.1.jsonl and
// the prepared journal.next.jsonl but no journal.jsonl; Open finishes the
// rotation. A crash before the first rename leaves a prepared file next to
// the journal; Open discards it.
func TestOpenFinishesInterruptedRotation(t *testing.T) {
	carried, _ := json.Marshal(Record{Time: t0, Run: "d20", Event: EventStateCarried, State: json.RawMessage(`{"i":1}`)})
	tests := []struct {
		name       string
		journal    bool
		wantEvents string
	}{
		{"after first rename", false, EventStateCarried + " after"},
		{"before first rename", true, "old after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write(nextJournalFile, append(carried, '\n'))
			if tt.journal {
				old, _ := json.Marshal(rec("d20", "old", 0))
				write(JournalFile, append(old, '\n'))
			}
			l := openT(t, dir)
			if err := l.Append(rec("d20", "after", 2)); err != nil {
				t.Fatal(err)
			}
			got, _, _ := readAll(t, dir)
			var events []string
			for _, r := range got {
				events = append(events, r.Event)
			}
			if strings.Join(events, " ") != tt.wantEvents {
				t.Errorf("events = %v, want %s", events, tt.wantEvents)
			}
			if _, err := os.Stat(filepath.Join(dir, nextJournalFile)); err == nil {
				t.Errorf("%s still exists after Open", nextJournalFile)
			}
		})
	}
}
