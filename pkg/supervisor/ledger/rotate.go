package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
)

// EventStateCarried marks a record that a rotation copied into the fresh
// journal: the newest State of one run, with that record's original Time
// and Run. Readers that show history skip it; LastStates uses it.
const EventStateCarried = "ledger_state_carried"

// rotate rotates the journal (see the package doc). l.mu must be held.
// The fresh journal is written and fsynced under a temporary name first,
// so a crash at any point leaves either the old journal in place or both
// renames done (Open completes the second rename if only the first
// happened). If rotation fails, the ledger keeps appending to whatever
// journal.jsonl is, and the caller's records are not written.
func (l *Ledger) rotate() error {
	cur := filepath.Join(l.dir, JournalFile)
	next := filepath.Join(l.dir, nextJournalFile)
	carried, err := carriedRecords(cur)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(next, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if err := atomicfile.WriteSynced(f, carried); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	// fail makes sure the ledger has a journal to append to after a step
	// failed; a second failure leaves it closed, and Append then reports
	// ErrClosed.
	fail := func(err error) error {
		if l.f == nil {
			_ = l.openJournal()
		}
		return fmt.Errorf("ledger: rotate: %w", err)
	}
	if err := l.f.Close(); err != nil {
		os.Remove(next)
		return fail(fmt.Errorf("close journal: %w", err))
	}
	l.f = nil
	if err := os.Rename(cur, filepath.Join(l.dir, RotatedJournalFile)); err != nil {
		os.Remove(next)
		return fail(err)
	}
	if err := os.Rename(next, cur); err != nil {
		return fail(err)
	}
	if err := atomicfile.SyncDir(l.dir); err != nil {
		return fail(err)
	}
	if err := l.openJournal(); err != nil {
		return fmt.Errorf("ledger: rotate: %w", err)
	}
	l.base, l.torn = l.size, false
	return nil
}

// carriedRecords renders one EventStateCarried line per run that has a
// State in the journal at path, in run order.
func carriedRecords(path string) ([]byte, error) {
	newest := map[string]Record{}
	_, err := readFile(path, func(_ int, r Record) error {
		if r.Run != "" && hasState(r.State) {
			newest[r.Run] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: rotate: %w", err)
	}
	var recs []Record
	for _, run := range slices.Sorted(maps.Keys(newest)) {
		recs = append(recs, Record{Time: newest[run].Time, Run: run, Event: EventStateCarried, State: newest[run].State})
	}
	return encodeRecords(recs)
}

// finishRotation completes or discards a rotation interrupted by a crash:
// if journal.jsonl was already moved away, the prepared fresh journal takes
// its place; otherwise the prepared file is left over and removed.
func finishRotation(dir string) error {
	cur := filepath.Join(dir, JournalFile)
	next := filepath.Join(dir, nextJournalFile)
	if _, err := os.Lstat(next); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_, err := os.Lstat(cur)
	switch {
	case err == nil:
		if err := os.Remove(next); err != nil {
			return fmt.Errorf("ledger: discard interrupted rotation: %w", err)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Rename(next, cur); err != nil {
			return fmt.Errorf("ledger: finish interrupted rotation: %w", err)
		}
		if err := atomicfile.SyncDir(dir); err != nil {
			return fmt.Errorf("ledger: finish interrupted rotation: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("ledger: %w", err)
	}
}
