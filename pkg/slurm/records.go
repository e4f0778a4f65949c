package slurm

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Delimiter separates the fields of every sacct and squeue row this
// package asks for: the ASCII unit separator, made for exactly this. Job
// names, working directories and comments are the user's free text and
// may hold a '|' (Slurm carries it unchanged), which with sacct's default
// delimiter shifts every later column. sacct takes it as --delimiter and
// squeue prints it as the literal text between the %-fields of --format,
// so one call still serves all runs. Slurm carries control characters in
// names too, so a row can still come out with the wrong number of fields;
// that row alone is skipped (see SkippedRowsError).
const Delimiter = "\x1f"

type field[T any] func(rec *T, text string, loc *time.Location) error

// column is one field of a row layout; a nil read ignores the field.
type column[T any] struct {
	name string
	read field[T]
}

// layout describes the rows one Slurm command prints with a format whose
// fields are separated by sep.
type layout[T any] struct {
	cmd   string
	sep   string
	cols  []column[T]
	idCol int // the job id column, or -1
	idOf  func(*T) string
}

// parseRows reads every row of out. Blank lines are ignored, step rows are
// skipped before they are checked (they are never used), and when a job id
// occurs twice the later row replaces the earlier one in its place: sacct
// prints a requeued job's instances oldest first. A row that cannot be
// read is left out and reported in a *SkippedRowsError that comes with the
// rows that could: an odd row of some other job must not hide the others.
func parseRows[T any](out []byte, l layout[T], loc *time.Location) ([]T, error) {
	var recs []T
	var skipped []*ParseError
	lineNo := 0
	for line := range bytes.Lines(out) {
		lineNo++
		text := strings.TrimRight(string(line), "\r\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, l.sep)
		// A step row's id has a '.' ("7.batch", "15.0", "12_1.extern").
		// Only a field that starts like a job id counts, so that a stray
		// message with a full stop in it is reported, not skipped.
		if strings.Contains(l.rowJobID(fields), ".") {
			continue
		}
		rec, err := l.parseRow(fields, loc)
		if err != nil {
			pe := newParseError(l.cmd, lineNo, text, err.Error())
			pe.JobID = l.rowJobID(fields)
			skipped = append(skipped, pe)
			continue
		}
		recs = append(recs, rec)
	}
	recs = lastPerID(recs, l.idOf)
	if len(skipped) > 0 {
		return recs, &SkippedRowsError{Cmd: l.cmd, Rows: skipped}
	}
	return recs, nil
}

func lastPerID[T any](recs []T, idOf func(*T) string) []T {
	index := make(map[string]int, len(recs))
	out := recs[:0:0]
	for i := range recs {
		id := idOf(&recs[i])
		if at, ok := index[id]; ok {
			out[at] = recs[i]
			continue
		}
		index[id] = len(out)
		out = append(out, recs[i])
	}
	return out
}

// rowJobID is the job id a row starts with, or "" when its id column does
// not hold one.
func (l layout[T]) rowJobID(fields []string) string {
	if l.idCol < 0 || l.idCol >= len(fields) || checkJobID(fields[l.idCol]) != nil {
		return ""
	}
	return fields[l.idCol]
}

// parseRow reads one row. A row with more or fewer fields than the format
// is refused whole: with several free-text fields in a row, there is no
// telling which one held the extra delimiter or line break.
func (l layout[T]) parseRow(fields []string, loc *time.Location) (T, error) {
	var rec T
	if len(fields) != len(l.cols) {
		return rec, fmt.Errorf("has %d fields, want %d", len(fields), len(l.cols))
	}
	for i, c := range l.cols {
		if c.read == nil {
			continue
		}
		if err := c.read(&rec, fields[i], loc); err != nil {
			return rec, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return rec, nil
}

// checkJobID accepts what Slurm prints as a job id ("7", "12_1",
// "12_[1-3]", "5+1") and rejects what is clearly not one, such as a
// header line or a shifted column.
func checkJobID(s string) error {
	if s == "" {
		return fmt.Errorf("empty job id")
	}
	if len(s) > 64 || s[0] < '0' || s[0] > '9' || strings.ContainsFunc(s, isSpaceOrControl) {
		return fmt.Errorf("%q is not a job id", truncate(s, 64))
	}
	return nil
}

// ParseError is output of a Slurm command that this package cannot read.
type ParseError struct {
	Cmd   string // "sacct", "squeue" or "sbatch"
	Line  int    // 1-based line number in the output
	JobID string // the job the line is about, "" when it names none
	Text  string // the offending line, truncated
	Msg   string // what is wrong with it
}

const maxLineInMessage = 200 // bytes of a bad line an error quotes

func (e *ParseError) Error() string {
	job := ""
	if e.JobID != "" {
		job = " (job " + e.JobID + ")"
	}
	return fmt.Sprintf("%s output line %d%s: %s: %q", e.Cmd, e.Line, job, e.Msg, e.Text)
}

// SkippedRowsError reports the rows of sacct or squeue output that could
// not be read and were left out. It is returned together with the rows
// that could be read, which are complete and correct: callers use them,
// and report the skipped rows rather than treating Slurm as unavailable.
type SkippedRowsError struct {
	Cmd  string
	Rows []*ParseError
}

const maxRowsInMessage = 3 // skipped rows Error() quotes

func (e *SkippedRowsError) Error() string {
	msgs := make([]string, 0, maxRowsInMessage)
	for _, r := range e.Rows[:min(len(e.Rows), maxRowsInMessage)] {
		msgs = append(msgs, r.Error())
	}
	more := ""
	if n := len(e.Rows) - len(msgs); n > 0 {
		more = fmt.Sprintf("; and %d more", n)
	}
	return fmt.Sprintf("%s: skipped %d unreadable row(s): %s%s", e.Cmd, len(e.Rows), strings.Join(msgs, "; "), more)
}

// Unwrap gives the skipped rows' *ParseError values to errors.As.
func (e *SkippedRowsError) Unwrap() []error {
	errs := make([]error, len(e.Rows))
	for i, r := range e.Rows {
		errs[i] = r
	}
	return errs
}

func newParseError(cmd string, line int, text, msg string) *ParseError {
	return &ParseError{Cmd: cmd, Line: line, Text: truncate(text, maxLineInMessage), Msg: msg}
}

// truncate shortens s to at most n bytes plus an ellipsis, cutting on a
// rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
