package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// maxProblemText is how much of an unreadable line a Problem keeps.
const maxProblemText = 120

// Problem is a journal line that is not a valid record. Problems are
// reported, never fatal: a crash tears at most the last line, and a damaged
// line in the middle must not hide the records after it.
type Problem struct {
	File string // base name of the journal file: journal.jsonl or journal.1.jsonl
	Line int    // 1-based line number within File
	Err  string // what is wrong with the line
	Text string // the line's first 120 bytes
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %q", p.File, p.Line, p.Err, p.Text)
}

// ReadJournal streams every record of the journal in dir to fn, the rotated
// journal.1.jsonl first, then journal.jsonl; line is the record's 1-based
// line number within its file. Unreadable lines (invalid JSON, no event,
// no time, a torn last line) are returned as Problems and reading goes on.
// Lines may be of any length. A missing journal is an empty one. An error
// from fn stops reading and is returned, wrapped with the file and line.
// Records of the event EventStateCarried are passed to fn like any other.
func ReadJournal(dir string, fn func(line int, r Record) error) ([]Problem, error) {
	var problems []Problem
	for _, name := range journalFiles {
		p, err := readFile(filepath.Join(dir, name), fn)
		problems = append(problems, p...)
		if err != nil {
			return problems, err
		}
	}
	return problems, nil
}

// journalFiles are the journal's files, oldest first.
var journalFiles = []string{RotatedJournalFile, JournalFile}

// readFile streams one journal file; a missing file has no records.
func readFile(path string, fn func(line int, r Record) error) ([]Problem, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	return scanJournal(f, path, fn)
}

// scanJournal reads journal lines from r; errors name path, Problems its
// base name.
func scanJournal(r io.Reader, path string, fn func(line int, r Record) error) ([]Problem, error) {
	name := filepath.Base(path)
	var problems []Problem
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		text, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return problems, fmt.Errorf("ledger: read %s line %d: %w", path, line, rerr)
		}
		if len(text) == 0 && rerr == io.EOF {
			return problems, nil
		}
		complete := rerr == nil
		text = bytes.TrimRight(text, "\r\n")
		if len(bytes.TrimSpace(text)) > 0 {
			r, perr := parseRecord(text)
			if perr != nil {
				problems = append(problems, newProblem(name, line, perr, complete, text))
			} else if err := fn(line, r); err != nil {
				return problems, fmt.Errorf("%s:%d: %w", path, line, err)
			}
		}
		if !complete {
			return problems, nil
		}
	}
}

// parseRecord decodes one journal line and checks the fields every record
// must have.
func parseRecord(text []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(text, &r); err != nil {
		return Record{}, err
	}
	if r.Event == "" {
		return Record{}, errors.New("record has no event")
	}
	if r.Time.IsZero() {
		return Record{}, errors.New("record has no time")
	}
	return r, nil
}

func newProblem(file string, line int, err error, complete bool, text []byte) Problem {
	msg := err.Error()
	if !complete {
		// The one place a crash can cut a record: the end of the file.
		msg = "torn last line (no newline at end of file): " + msg
	}
	return Problem{File: file, Line: line, Err: msg, Text: prefix(text, maxProblemText)}
}

// prefix returns at most n bytes of b, cut before a rune that would not
// fit whole.
func prefix(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	cut := n
	for cut > n-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut])
}

// LastStates returns the newest State of every run in the journal, newest
// meaning last appended (not latest Time: a clock step must not resurrect
// an old state). Records with an empty or null State are skipped.
func LastStates(dir string) (map[string]json.RawMessage, []Problem, error) {
	states := map[string]json.RawMessage{}
	problems, err := ReadJournal(dir, func(_ int, r Record) error {
		if r.Run != "" && hasState(r.State) {
			states[r.Run] = r.State
		}
		return nil
	})
	if err != nil {
		return nil, problems, err
	}
	return states, problems, nil
}

// LastGoodStates is LastStates for callers that can tell a good state from
// a damaged one: accept (typically a decoder) judges each run's newest
// state, and a run whose newest state it rejects gets its newest state it
// accepts instead, the rejected records reported as Problems. A damaged
// line then costs a run that record, never its whole history. Only runs
// with a rejected state are read a second time.
func LastGoodStates(dir string, accept func(run string, state json.RawMessage) error) (map[string]json.RawMessage, []Problem, error) {
	states, problems, err := LastStates(dir)
	if err != nil {
		return nil, problems, err
	}
	reread := map[string]bool{}
	for run, st := range states {
		if accept(run, st) != nil {
			reread[run] = true
			delete(states, run)
		}
	}
	if len(reread) == 0 {
		return states, problems, nil
	}
	for _, name := range journalFiles {
		// Unreadable lines were reported by LastStates already.
		_, err := readFile(filepath.Join(dir, name), func(line int, r Record) error {
			if !reread[r.Run] || !hasState(r.State) {
				return nil
			}
			if err := accept(r.Run, r.State); err != nil {
				problems = append(problems, Problem{File: name, Line: line, Err: fmt.Sprintf("state of run %s: %v", r.Run, err), Text: prefix(r.State, maxProblemText)})
				return nil
			}
			states[r.Run] = r.State
			return nil
		})
		if err != nil {
			return nil, problems, err
		}
	}
	return states, problems, nil
}

func hasState(s json.RawMessage) bool {
	return len(s) > 0 && !bytes.Equal(s, []byte("null"))
}
