package slurm

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// field reads one '|'-separated field of a row into the record.
type field[T any] func(rec *T, text string, loc *time.Location) error

// column is one field of a row layout; a nil read ignores the field.
type column[T any] struct {
	name string
	read field[T]
}

// layout describes the rows one Slurm command prints with a '|'-separated
// format.
type layout[T any] struct {
	cmd  string
	cols []column[T]
	// freeText is the index of the one column whose text may itself
	// contain '|' (the job comment), or -1. Extra fields are folded into
	// it; that is why the comment is put last in our formats.
	freeText int
	// stepCol is the index of the job id column whose rows with a '.'
	// are job steps to be skipped, or -1.
	stepCol int
	idOf    func(*T) string
}

// parseRows reads every row of out. Blank lines are ignored, step rows are
// skipped before they are checked (they are never used), and when a job id
// occurs twice the later row replaces the earlier one in its place: sacct
// prints a requeued job's instances oldest first.
func parseRows[T any](out []byte, l layout[T], loc *time.Location) ([]T, error) {
	var recs []T
	index := map[string]int{}
	lineNo := 0
	for len(out) > 0 {
		var line []byte
		line, out, _ = bytes.Cut(out, []byte{'\n'})
		lineNo++
		text := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, "|")
		if l.isStepRow(fields) {
			continue
		}
		rec, err := l.parseRow(fields, loc)
		if err != nil {
			return nil, newParseError(l.cmd, lineNo, text, err.Error(), nil)
		}
		id := l.idOf(&rec)
		if i, seen := index[id]; seen {
			recs[i] = rec
			continue
		}
		index[id] = len(recs)
		recs = append(recs, rec)
	}
	return recs, nil
}

// isStepRow reports whether the row is a job step ("7.batch", "15.0",
// "12_1.extern"). Only a field that starts like a job id counts, so that
// a stray message with a full stop in it is reported, not skipped.
func (l layout[T]) isStepRow(fields []string) bool {
	if l.stepCol < 0 || l.stepCol >= len(fields) {
		return false
	}
	id := fields[l.stepCol]
	return strings.Contains(id, ".") && checkJobID(id) == nil
}

func (l layout[T]) parseRow(fields []string, loc *time.Location) (T, error) {
	var rec T
	want := len(l.cols)
	switch {
	case len(fields) < want:
		return rec, fmt.Errorf("has %d fields, want %d", len(fields), want)
	case len(fields) > want && l.freeText < 0:
		return rec, fmt.Errorf("has %d fields, want %d", len(fields), want)
	case len(fields) > want:
		extra := len(fields) - want
		joined := strings.Join(fields[l.freeText:l.freeText+extra+1], "|")
		fields = append(append(fields[:l.freeText:l.freeText], joined), fields[l.freeText+extra+1:]...)
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
	if len(s) > 64 || s[0] < '0' || s[0] > '9' {
		return fmt.Errorf("%q is not a job id", truncate(s, 64))
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("%q is not a job id", truncate(s, 64))
		}
	}
	return nil
}
