package slurm

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// SqueueFormat is the --format of every squeue call of this package: id,
// name, state, reason, submit, start, time limit, time used, workdir and
// comment, separated by Delimiter, which squeue prints as it is.
const SqueueFormat = "%i\x1f%j\x1f%T\x1f%r\x1f%V\x1f%S\x1f%l\x1f%M\x1f%Z\x1f%k"

// QueueEntry is one job as squeue shows it. squeue knows a job only while
// slurmctld does (until shortly after it ends), but it shows the comment
// while the job runs, which sacct does not.
type QueueEntry struct {
	ID        string
	Name      string
	State     State
	Reason    string
	Submit    time.Time
	Start     time.Time // expected start while pending, zero if unknown
	TimeLimit time.Duration
	TimeUsed  time.Duration
	WorkDir   string
	Comment   string // "" when squeue prints "(null)"
}

// SqueueArgs lists the caller's own jobs in every state. --array puts each
// array task on its own line, so ids look like sacct's ("12_1", not
// "12_[1-2]") as long as tasks have been split off.
func SqueueArgs() []string {
	return []string{"--noheader", "--me", "--states=all", "--array", "--format=" + SqueueFormat}
}

// SqueueParser reads squeue --noheader output.
type SqueueParser struct {
	// Format is the --format the output was made with; "" means
	// SqueueFormat. It must be %-fields separated by Delimiter; fields
	// this package does not know are ignored, and %i is required.
	Format string
	// Delimiter is the text between the fields of Format; "" means this
	// package's Delimiter.
	Delimiter string
	// Location is the zone the times are read in; nil means time.Local.
	Location *time.Location
}

// ParseSqueue reads output made with SqueueArgs, in the local zone, also
// with -M in front (OnCluster): a "CLUSTER: name" line is skipped. Empty
// output is zero jobs; a row that cannot be read is left out and reported,
// with its line and job, in a *SkippedRowsError returned together with the
// other entries.
func ParseSqueue(out []byte) ([]QueueEntry, error) { return SqueueParser{}.Parse(out) }

// Parse reads out according to p.
func (p SqueueParser) Parse(out []byte) ([]QueueEntry, error) {
	l, err := squeueLayout(p.Format, p.Delimiter)
	if err != nil {
		return nil, err
	}
	return parseRows(dropClusterHeaders(out), l, cmp.Or(p.Location, time.Local))
}

func squeueLayout(format, sep string) (layout[QueueEntry], error) {
	format, sep = cmp.Or(format, SqueueFormat), cmp.Or(sep, Delimiter)
	l := layout[QueueEntry]{cmd: "squeue", sep: sep, idCol: -1,
		idOf: func(q *QueueEntry) string { return q.ID }}
	for i, spec := range strings.Split(format, sep) {
		letter, ok := squeueLetter(spec)
		if !ok {
			return l, fmt.Errorf("squeue format %q: field %q is not a %%-field", format, spec)
		}
		l.cols = append(l.cols, column[QueueEntry]{name: spec, read: squeueFields[letter]})
		if letter == 'i' {
			l.idCol = i
		}
	}
	if l.idCol < 0 {
		return l, fmt.Errorf("squeue format %q has no %%i field", format)
	}
	return l, nil
}

// squeueLetter takes the field letter from "%i", "%.18i" or "%20j".
func squeueLetter(spec string) (byte, bool) {
	rest, ok := strings.CutPrefix(spec, "%")
	if !ok {
		return 0, false
	}
	rest = strings.TrimLeft(rest, ".0123456789")
	if len(rest) != 1 {
		return 0, false
	}
	return rest[0], true
}

var squeueFields = map[byte]field[QueueEntry]{
	'i': func(q *QueueEntry, s string, _ *time.Location) error { q.ID = s; return checkJobID(s) },
	'j': func(q *QueueEntry, s string, _ *time.Location) error { q.Name = s; return nil },
	'T': func(q *QueueEntry, s string, _ *time.Location) error { return readState(&q.State, s) },
	'r': func(q *QueueEntry, s string, _ *time.Location) error { q.Reason = s; return nil },
	'V': func(q *QueueEntry, s string, loc *time.Location) error { return readTime(&q.Submit, s, loc) },
	'S': func(q *QueueEntry, s string, loc *time.Location) error { return readTime(&q.Start, s, loc) },
	'l': func(q *QueueEntry, s string, _ *time.Location) error { return readDuration(&q.TimeLimit, s) },
	'M': func(q *QueueEntry, s string, _ *time.Location) error { return readDuration(&q.TimeUsed, s) },
	'Z': func(q *QueueEntry, s string, _ *time.Location) error { q.WorkDir = s; return nil },
	'k': func(q *QueueEntry, s string, _ *time.Location) error {
		// squeue prints "(null)" for a job without a comment.
		if s == "(null)" {
			s = ""
		}
		q.Comment = s
		return nil
	},
}
