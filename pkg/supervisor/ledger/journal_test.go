package ledger

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGarbageLinesInTheMiddle(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	if err := l.Append(rec("a", "one", 1)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 300)
	appendFile(t, filepath.Join(dir, JournalFile), strings.Join([]string{
		"not json at all",
		`{"time":"2026-03-01T12:00:00Z"}`,
		`{"event":"no_time"}`,
		"",
		"   ",
		`{"time":"2026-03-01T12:00:00Z","event":"a"}{"time":"2026-03-01T12:00:00Z","event":"b"}`,
		long,
	}, "\n")+"\n")
	if err := l.Append(rec("a", "two", 2)); err != nil {
		t.Fatal(err)
	}
	got, lines, problems := readAll(t, dir)
	if len(got) != 2 || got[0].Event != "one" || got[1].Event != "two" || lines[1] != 9 {
		t.Errorf("records = %v at lines %v, want one (1) and two (9)", got, lines)
	}
	wantLines := []int{2, 3, 4, 7, 8}
	if len(problems) != len(wantLines) {
		t.Fatalf("problems = %v, want lines %v", problems, wantLines)
	}
	for i, p := range problems {
		if p.Line != wantLines[i] {
			t.Errorf("problem %d line = %d, want %d", i, p.Line, wantLines[i])
		}
	}
	if got, want := problems[1].Err, "record has no event"; got != want {
		t.Errorf("problem at line 3: Err = %q, want %q", got, want)
	}
	if got, want := problems[2].Err, "record has no time"; got != want {
		t.Errorf("problem at line 4: Err = %q, want %q", got, want)
	}
	if got := len(problems[4].Text); got != maxProblemText {
		t.Errorf("long problem text has %d bytes, want %d", got, maxProblemText)
	}
}

func TestReadJournalLongLineAndCallbackError(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir)
	big := strings.Repeat("é", 1<<18) // 512 KiB: beyond bufio.Scanner's default limit
	r := rec("a", "big", 1)
	r.Fields["pad"] = big
	if err := l.Append(r, rec("a", "after", 2)); err != nil {
		t.Fatal(err)
	}
	got, _, problems := readAll(t, dir)
	if len(problems) != 0 || len(got) != 2 || got[0].Fields["pad"] != big {
		t.Fatalf("got %d records, %d problems; want the 512 KiB record intact and the next one", len(got), len(problems))
	}

	stop := errors.New("stop here")
	n := 0
	_, err := ReadJournal(dir, func(int, Record) error { n++; return stop })
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), JournalFile+":1") || n != 1 {
		t.Errorf("ReadJournal with failing fn: err = %v after %d calls, want %v naming %s:1 after 1 call", err, n, stop, JournalFile)
	}
}

func TestReadJournalMissingDirectoryIsEmpty(t *testing.T) {
	got, _, problems := readAll(t, filepath.Join(t.TempDir(), "nothing"))
	if len(got) != 0 || len(problems) != 0 {
		t.Errorf("got %d records, %d problems, want none", len(got), len(problems))
	}
}

// A state the caller cannot use costs its run that record only: the run
// falls back to its newest state the caller accepts, wherever the damaged
// record is, and the other runs keep theirs.
func TestLastGoodStatesFallsBack(t *testing.T) {
	stated := func(run string, i int, state string) Record {
		r := rec(run, "decided", i)
		r.State = json.RawMessage(state)
		return r
	}
	accept := func(_ string, s json.RawMessage) error {
		if !json.Valid(s) || !strings.HasPrefix(string(s), `{"n":`) {
			return errors.New("not a state")
		}
		return nil
	}
	tests := []struct {
		name    string
		recs    []Record
		want    map[string]string
		problem int // line of the reported state, 0 for none
	}{
		{"bad state in the middle", []Record{stated("a", 1, `{"n":1}`), stated("a", 2, `"bad"`), stated("a", 3, `{"n":3}`), stated("b", 4, `{"n":4}`)},
			map[string]string{"a": `{"n":3}`, "b": `{"n":4}`}, 0},
		{"bad state at the end", []Record{stated("a", 1, `{"n":1}`), stated("b", 2, `{"n":2}`), stated("a", 3, `{"n":3}`), stated("a", 4, `[1,2]`)},
			map[string]string{"a": `{"n":3}`, "b": `{"n":2}`}, 4},
		{"no good state at all", []Record{stated("a", 1, `"bad"`), stated("b", 2, `{"n":2}`)},
			map[string]string{"b": `{"n":2}`}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := openT(t, dir).Append(tt.recs...); err != nil {
				t.Fatal(err)
			}
			got, problems, err := LastGoodStates(dir, accept)
			if err != nil {
				t.Fatal(err)
			}
			gotText := map[string]string{}
			for run, s := range got {
				gotText[run] = string(s)
			}
			if !reflect.DeepEqual(gotText, tt.want) {
				t.Errorf("states = %v, want %v", gotText, tt.want)
			}
			switch {
			case tt.problem == 0 && len(problems) != 0:
				t.Errorf("problems = %v, want none", problems)
			case tt.problem != 0 && (len(problems) != 1 || problems[0].Line != tt.problem || problems[0].File != JournalFile):
				t.Errorf("problems = %v, want one at %s:%d", problems, JournalFile, tt.problem)
			}
		})
	}
}
