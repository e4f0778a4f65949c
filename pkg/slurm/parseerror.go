package slurm

import "fmt"

// ParseError is output of a Slurm command that this package cannot read.
type ParseError struct {
	Cmd  string // "sacct", "squeue" or "sbatch"
	Line int    // 1-based line number in the output
	Text string // the offending line, truncated
	Msg  string // what is wrong with it
	Err  error  // underlying error, if any
}

// maxLineInMessage bounds how much of a bad line an error quotes.
const maxLineInMessage = 200

func (e *ParseError) Error() string {
	msg := e.Msg
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s output line %d: %s: %q", e.Cmd, e.Line, msg, e.Text)
}

func (e *ParseError) Unwrap() error { return e.Err }

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
