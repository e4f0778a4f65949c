package supervisor

import (
	"errors"
	"maps"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// Slurm's programs not found (not in slurm.bin_dir, or not on the PATH the
// daemon was started with: a systemd user unit does not get the login
// shell's PATH, /opt/slurm/bin or what "module load" adds) is a
// configuration error, not an outage. The daemon says so once, with what
// to do, then looks again only every missingRecheck, and says when the
// programs are there again.

const missingRecheck = 5 * time.Minute

// slurmMissing is the daemon's memory of missing Slurm programs.
type slurmMissing struct {
	since time.Time // zero: found
	next  time.Time // no pass before this (zero: now)
}

// missingHint is what the user has to do.
const missingHint = "set slurm.bin_dir to the directory of sbatch, sacct, squeue and scancel " +
	"(command -v sbatch in a login shell, after any module load)"

// noteSlurmHealth logs slurm_missing when a Slurm program is not found,
// else slurm_unavailable when Slurm stops answering: each once when it
// starts, and once when it ends, not on every pass. A missing program is
// not an outage.
func (s *Supervisor) noteSlurmHealth(now time.Time, snap slurmSnapshot) {
	err, asked := snap.firstErr()
	missing := slurm.NotFound(err)
	s.mu.Lock()
	evs := outage(nil, &s.missing.since, now, missing, asked, err, run.EventSlurmMissing, "missing", "found",
		map[string]any{"hint": missingHint, "recheck": missingRecheck.String()})
	if missing {
		s.missing.next = now.Add(missingRecheck)
	} else {
		evs = outage(evs, &s.slurmDown, now, err != nil, asked, err, run.EventSlurmUnavailable, "down", "up", nil)
	}
	// The snapshot remembers Slurm's health for the next tick.
	s.snapDirty = s.snapDirty || len(evs) > 0
	s.mu.Unlock()
	for _, ev := range evs {
		s.emitAndJournal(now, ev)
	}
}

// outage notes whether one kind of trouble, on since *since, is there in
// this pass (bad). It appends the event to log to evs: state down when it
// starts, state up with how long it lasted when a pass that asked Slurm
// anything finds it gone.
func outage(evs []run.Event, since *time.Time, now time.Time, bad, asked bool, err error, name, down, up string, extra map[string]any) []run.Event {
	switch {
	case bad && since.IsZero():
		*since = now
		ev := run.Event{Name: name, Fields: map[string]any{run.FieldState: down, run.FieldError: err.Error()}}
		maps.Copy(ev.Fields, extra)
		return append(evs, ev)
	case !bad && asked && !since.IsZero():
		d := now.Sub(*since)
		*since = time.Time{}
		return append(evs, run.Event{Name: name, Fields: map[string]any{run.FieldState: up, "duration": d.String()}})
	}
	return evs
}

// maxSkippedRowsRemembered bounds the set of rows already reported; when
// it is full it starts again, and rows still there are reported once more.
const maxSkippedRowsRemembered = 1000

// keepSkippedRows turns a *slurm.SkippedRowsError into nil: the rows that
// came with it are complete and correct, so the pass goes on with them
// instead of taking Slurm for unavailable. An unreadable row is some job
// of the user whose name or directory holds a character the output cannot
// carry (the daemon's own jobs cannot: config refuses such job names); it
// is logged as slurm_row_skipped once per job, not on every pass. Any
// other error is returned as it is.
func (s *Supervisor) keepSkippedRows(err error) error {
	var sk *slurm.SkippedRowsError
	if !errors.As(err, &sk) {
		return err
	}
	for _, row := range sk.Rows {
		key := sk.Cmd + "\x00" + row.JobID
		if row.JobID == "" {
			key += "\x00" + row.Text
		}
		if s.skippedRows == nil || len(s.skippedRows) >= maxSkippedRowsRemembered {
			s.skippedRows = map[string]bool{}
		}
		seen := s.skippedRows[key]
		s.skippedRows[key] = true
		if !seen {
			s.emit(run.Event{Name: run.EventSlurmRowSkipped, Fields: map[string]any{run.FieldJobID: row.JobID, run.FieldError: row.Error()}})
		}
	}
	return nil
}
