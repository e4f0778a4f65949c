package supervisor

import (
	"errors"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

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
		s.mu.Lock()
		seen := s.skippedRows[key]
		if !seen {
			if s.skippedRows == nil || len(s.skippedRows) >= maxSkippedRowsRemembered {
				s.skippedRows = map[string]bool{}
			}
			s.skippedRows[key] = true
		}
		s.mu.Unlock()
		if !seen {
			s.emit(run.Event{Name: run.EventSlurmRowSkipped, Fields: map[string]any{run.FieldJobID: row.JobID, run.FieldError: row.Error()}})
		}
	}
	return nil
}
