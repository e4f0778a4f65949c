package supervisor

import (
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

// missingRecheck is how often the daemon looks for missing Slurm programs.
const missingRecheck = 5 * time.Minute

// slurmMissing is the daemon's memory of missing Slurm programs.
type slurmMissing struct {
	since time.Time // zero: found
	next  time.Time // no pass before this (zero: now)
}

// missingHint is what the user has to do.
const missingHint = "set slurm.bin_dir to the directory of sbatch, sacct, squeue and scancel " +
	"(command -v sbatch in a login shell, after any module load)"

// missingWait reports whether the pass is to be skipped because the Slurm
// programs were missing when last looked for, and how long until the next
// look.
func (s *Supervisor) missingWait(now time.Time) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.missing.since.IsZero() || !now.Before(s.missing.next) {
		return 0, false
	}
	return s.missing.next.Sub(now), true
}

// noteSlurmMissing logs slurm_missing once when a Slurm program is not
// found, and again (state found) when they are all there again. It reports
// whether err was a missing program, which is then not an outage.
func (s *Supervisor) noteSlurmMissing(now time.Time, err error, asked bool) bool {
	missing := slurm.NotFound(err)
	var ev *run.Event
	s.mu.Lock()
	switch {
	case missing && s.missing.since.IsZero():
		s.missing.since = now
		ev = &run.Event{Name: run.EventSlurmMissing, Fields: map[string]any{run.FieldState: "missing",
			run.FieldError: err.Error(), "hint": missingHint, "recheck": missingRecheck.String()}}
	case !missing && asked && !s.missing.since.IsZero():
		ev = &run.Event{Name: run.EventSlurmMissing, Fields: map[string]any{run.FieldState: "found",
			"duration": now.Sub(s.missing.since).String()}}
		s.missing = slurmMissing{}
	}
	if missing {
		s.missing.next = now.Add(missingRecheck)
	}
	s.mu.Unlock()
	if ev != nil {
		s.recordHealth(now, *ev)
	}
	return missing
}
