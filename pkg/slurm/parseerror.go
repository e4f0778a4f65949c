package slurm

import (
	"fmt"
	"strings"
)

// ParseError is output of a Slurm command that this package cannot read.
type ParseError struct {
	Cmd   string // "sacct", "squeue" or "sbatch"
	Line  int    // 1-based line number in the output
	JobID string // the job the line is about, "" when it names none
	Text  string // the offending line, truncated
	Msg   string // what is wrong with it
	Err   error  // underlying error, if any
}

// maxLineInMessage bounds how much of a bad line an error quotes.
const maxLineInMessage = 200

func (e *ParseError) Error() string {
	msg := e.Msg
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	job := ""
	if e.JobID != "" {
		job = " (job " + e.JobID + ")"
	}
	return fmt.Sprintf("%s output line %d%s: %s: %q", e.Cmd, e.Line, job, msg, e.Text)
}

func (e *ParseError) Unwrap() error { return e.Err }

// SkippedRowsError reports the rows of sacct or squeue output that could
// not be read and were left out. It is returned together with the rows
// that could be read, which are complete and correct: callers use them,
// and report the skipped rows rather than treating Slurm as unavailable.
type SkippedRowsError struct {
	Cmd  string
	Rows []*ParseError
}

// maxRowsInMessage bounds how many skipped rows Error() quotes.
const maxRowsInMessage = 3

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

// JobIDs lists the jobs of the skipped rows that name one.
func (e *SkippedRowsError) JobIDs() []string {
	var ids []string
	for _, r := range e.Rows {
		if r.JobID != "" {
			ids = append(ids, r.JobID)
		}
	}
	return ids
}

func newParseError(cmd string, line int, text, msg string, err error) *ParseError {
	return &ParseError{Cmd: cmd, Line: line, Text: truncate(text, maxLineInMessage), Msg: msg, Err: err}
}

// truncate shortens s to at most n bytes plus an ellipsis, cutting on a
// rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
