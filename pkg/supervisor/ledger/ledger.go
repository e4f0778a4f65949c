package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
)

// File names inside the state directory.
const (
	JournalFile        = "journal.jsonl"
	RotatedJournalFile = "journal.1.jsonl"
	StateFile          = "state.json"
	// nextJournalFile is the fresh journal being prepared by a rotation;
	// Open finishes or discards a rotation that a crash interrupted.
	nextJournalFile = "journal.next.jsonl"
)

// DefaultMaxJournalBytes is how much journal.jsonl may grow before it is
// rotated: large enough to hold months of decisions, small enough to read
// in well under a second.
const DefaultMaxJournalBytes = 64 << 20

// fileMode and dirMode keep the ledger private to its user: it names jobs,
// paths and scripts.
const (
	fileMode os.FileMode = 0o600
	dirMode  os.FileMode = 0o700
)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("ledger is closed")

// Record is one line of the journal.
type Record struct {
	Time   time.Time      `json:"time"`
	Run    string         `json:"run,omitempty"`
	Event  string         `json:"event"`
	Fields map[string]any `json:"fields,omitempty"`
	// State is the run's full state after this decision, when it changed.
	State json.RawMessage `json:"state,omitempty"`
}

// Ledger appends to the journal and replaces the state snapshot of one
// state directory. It is safe for concurrent use.
type Ledger struct {
	dir      string
	maxBytes int64 // growth that rotates journal.jsonl; <= 0: never (tests)

	mu   sync.Mutex // serialises journal writes, rotation, SaveState and Close
	f    *os.File   // journal.jsonl, O_APPEND; nil after Close
	size int64      // current size of journal.jsonl
	// base is the size of journal.jsonl right after the last rotation
	// (the carried states); growth beyond it is what the limit counts, so
	// that many large carried states cannot cause a rotation per Append.
	base int64
	// torn is set when a write was cut short: the next Append starts with
	// a newline so that its first record does not glue onto the fragment.
	torn bool
}

// Open opens (creating if needed) the ledger in dir, ending a torn last
// line of the journal (see the package doc).
func Open(dir string) (*Ledger, error) {
	l := &Ledger{dir: dir, maxBytes: DefaultMaxJournalBytes}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("ledger: create state directory: %w", err)
	}
	if err := finishRotation(dir); err != nil {
		return nil, err
	}
	// A crash during SaveState may have left its temp file behind.
	atomicfile.RemoveStale(dir, func(name string) bool { return atomicfile.IsTemp(name, StateFile) })
	if err := l.openJournal(); err != nil {
		return nil, err
	}
	if err := l.endTornLine(); err != nil {
		l.f.Close()
		return nil, err
	}
	return l, nil
}

// Dir is the state directory.
func (l *Ledger) Dir() string { return l.dir }

// openJournal opens journal.jsonl for appending and records its size. It
// opens it write-only: a journal the user can write but not read is made
// private (0600) here, before anything reads it.
func (l *Ledger) openJournal() error {
	path := filepath.Join(l.dir, JournalFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("ledger: open journal: %w", err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("%s is not a regular file", path)
	case fi.Mode().Perm() != fileMode:
		// A journal created by hand or by an older version may be readable
		// by others; the ledger's files are private whoever created them.
		err = f.Chmod(fileMode)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("ledger: %w", err)
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// endTornLine appends a newline when the journal does not end with one.
func (l *Ledger) endTornLine() error {
	if l.size == 0 {
		return nil
	}
	path := filepath.Join(l.dir, JournalFile)
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, l.size-1); err != nil {
		return fmt.Errorf("ledger: read end of %s: %w", path, err)
	}
	if last[0] == '\n' {
		return nil
	}
	return l.writeSync([]byte{'\n'})
}

// Append writes recs as one JSON line each, in one write call, and fsyncs
// the journal before returning. Either every record is rejected (a record
// without Event or Time, a value that cannot be marshalled) or all are
// written; a nil error means they are durable.
func (l *Ledger) Append(recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	buf, err := encodeRecords(recs)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("ledger: append: %w", ErrClosed)
	}
	if l.maxBytes > 0 && l.size-l.base >= l.maxBytes {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	if l.torn {
		buf = append([]byte{'\n'}, buf...)
	}
	return l.writeSync(buf)
}

// encodeRecords validates recs and renders them as journal lines.
// encoding/json never emits a raw newline (RawMessage is compacted), so
// each record is exactly one line.
func encodeRecords(recs []Record) ([]byte, error) {
	var buf []byte
	for i, r := range recs {
		if r.Event == "" {
			return nil, fmt.Errorf("ledger: append record %d: event is empty", i+1)
		}
		if r.Time.IsZero() {
			return nil, fmt.Errorf("ledger: append record %d (%s): time is zero", i+1, r.Event)
		}
		line, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("ledger: append record %d (%s): %w", i+1, r.Event, err)
		}
		buf = append(buf, line...)
		buf = append(buf, '\n')
	}
	return buf, nil
}

// writeSync writes buf with one write call and fsyncs. l.mu must be held
// (or the ledger not yet shared).
func (l *Ledger) writeSync(buf []byte) error {
	n, err := l.f.Write(buf)
	l.size += int64(n)
	if err != nil {
		l.torn = l.torn || (n > 0 && buf[n-1] != '\n')
		return fmt.Errorf("ledger: append to %s: %w", l.f.Name(), err)
	}
	l.torn = false
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("ledger: fsync %s: %w", l.f.Name(), err)
	}
	return nil
}

// Close closes the journal. Records already appended are durable; Close
// itself writes nothing.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("ledger: close journal: %w", err)
	}
	return nil
}
