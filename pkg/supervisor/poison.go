package supervisor

import (
	"slices"
	"time"
)

// usableSteps are the complete steps the run may resume from: all of them
// but the suspect ones whose files are unchanged since they were judged.
func (d *decider) usableSteps() []int {
	c := d.in.Ckpt
	if len(c.Complete) == 0 {
		if c.Newest == NoStep || d.isSuspect(c.Newest, time.Time{}) {
			return nil
		}
		return []int{c.Newest}
	}
	var steps []int
	for _, s := range c.Complete {
		if !d.isSuspect(s.Step, s.ModTime) {
			steps = append(steps, s.Step)
		}
	}
	return steps
}

// newestUsable is the step the next attempt resumes from (NoStep: none).
func (d *decider) newestUsable() int {
	steps := d.usableSteps()
	if len(steps) == 0 {
		return NoStep
	}
	return steps[len(steps)-1]
}

// isSuspect: step was judged poisoned and (when modTime is known) its files
// have not been rewritten since.
func (d *decider) isSuspect(step int, modTime time.Time) bool {
	for _, s := range d.next.Suspect {
		if s.Step == step && (modTime.IsZero() || !modTime.After(s.ModTime)) {
			return true
		}
	}
	return false
}

// poisoned reports whether the job that just ended and the one before it
// both resumed from the same step and both died without a newer
// checkpoint, while an older complete step exists to fall back to. It
// then marks the step suspect and says so.
func (d *decider) poisoned() bool {
	job := d.next.Job
	s := job.ResumeStep
	if s < 0 || len(d.next.History) == 0 || d.isSuspect(s, time.Time{}) {
		return false
	}
	prev := d.next.History[len(d.next.History)-1]
	if prev.ResumeStep != s || prev.NewestStepAtEnd > s || !prev.Handled {
		return false
	}
	older := slices.IndexFunc(d.usableSteps(), func(step int) bool { return step < s })
	if older < 0 {
		return false
	}
	var mod time.Time
	for _, c := range d.in.Ckpt.Complete {
		if c.Step == s {
			mod = c.ModTime
		}
	}
	d.next.Suspect = append(d.next.Suspect, SuspectStep{Step: s, ModTime: mod, At: d.in.Now, Jobs: []string{prev.ID, job.ID}})
	d.event(EventCheckpointSuspect, FieldStep, s, FieldJobID, job.ID, FieldReason, ReasonSuspectFallback,
		FieldNewestStep, d.newestUsable())
	return true
}
