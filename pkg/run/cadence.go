package run

import (
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
)

// The stall alarm, time_limit: fit and the --save-every advice all read a
// run's pace from RunState.Saves through goodput.SaveInterval. Checkpoint
// modification times are used where the scan has them: they are when the
// save ended, not when the daemon happened to look.

// maxSaves bounds RunState.Saves.
const maxSaves = 32

// Cadence is the pace of a run as one job showed it.
type Cadence struct {
	// SaveInterval is the wall time from one save to the next.
	SaveInterval time.Duration
	// StepsPerSave is the steps between two saves (--save-every).
	StepsPerSave int
	// Restart is the time from the job's start to its first training
	// step; 0 when it could not be told.
	Restart time.Duration
}

// noteSave records a new newest complete step and when it was written.
// The record is bounded; the earliest save of the current job and of the
// job before it stay, since the restart overhead is measured on them.
func (d *decider) noteSave(step int) {
	st := &d.next
	at := d.stepModTime(step)
	if at.IsZero() {
		at = d.in.Now
	}
	st.Saves = append(st.Saves, goodput.Checkpoint{Step: step, ModTime: at})
	var keep []goodput.Checkpoint
	jobs := []*JobRecord{st.Job}
	if n := len(st.History); n > 0 {
		jobs = append(jobs, &st.History[n-1])
	}
	for _, j := range jobs {
		if j == nil {
			continue
		}
		if s := jobSaves(st.Saves, *j); len(s) > 0 {
			keep = append(keep, s[0])
		}
	}
	for i := 0; len(st.Saves) > maxSaves && i < len(st.Saves); {
		if slices.Contains(keep, st.Saves[i]) {
			i++
			continue
		}
		st.Saves = slices.Delete(st.Saves, i, i+1)
	}
}

// stepModTime is the modification time of a complete step's files (zero:
// not known).
func (d *decider) stepModTime(step int) time.Time {
	for _, c := range d.in.Ckpt.Complete {
		if c.Step == step {
			return c.ModTime
		}
	}
	return time.Time{}
}

// jobSaves are the recorded saves the job wrote, by step: those written
// from its start (its submission while the start is not known, any time
// when neither is) to its end, after the step it resumed from.
func jobSaves(saves []goodput.Checkpoint, j JobRecord) []goodput.Checkpoint {
	from := j.Start
	if from.IsZero() {
		from = j.Submitted
	}
	span := goodput.Span{Start: from, End: j.End}
	var out []goodput.Checkpoint
	for _, s := range saves {
		if span.Contains(s.ModTime) && (j.ResumeStep < 0 || s.Step > j.ResumeStep) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b goodput.Checkpoint) int { return a.Step - b.Step })
	return out
}

// cadenceOf measures the cadence of a job from its recorded saves; ok is
// false until the job has saved twice.
func cadenceOf(j JobRecord, saves []goodput.Checkpoint) (Cadence, bool) {
	mine := jobSaves(saves, j)
	iv := goodput.SaveInterval(mine)
	if iv.Pairs == 0 || iv.Steps < 1 {
		return Cadence{}, false
	}
	c := Cadence{SaveInterval: iv.Wall, StepsPerSave: iv.Steps}
	first := mine[0]
	if j.Start.IsZero() || !first.ModTime.After(j.Start) {
		return c, true
	}
	// The first save came after the restart plus the steps from the resume
	// step to it; a resume step that is not known is taken to be one save
	// interval back (nanochat resumes from a save step).
	from := j.ResumeStep
	switch {
	case from == NoStep:
		from = 0
	case from < 0 || from >= first.Step:
		from = first.Step - c.StepsPerSave
	}
	perStep := float64(iv.Wall) / float64(iv.Steps)
	training := time.Duration(perStep * float64(first.Step-from))
	if r := first.ModTime.Sub(j.Start) - training; r > 0 {
		c.Restart = r
	}
	return c, true
}

// RunCadence is the run's pace: the current job's once it has saved twice,
// else that of the newest earlier job that did. ok is false until one has.
func RunCadence(st RunState) (Cadence, bool) {
	if j := st.Job; j != nil {
		if c, ok := cadenceOf(*j, st.Saves); ok {
			return c, true
		}
	}
	for i := len(st.History) - 1; i >= 0 && len(st.Saves) > 0; i-- {
		j := st.History[i]
		if !j.End.IsZero() && j.End.Before(st.Saves[0].ModTime) {
			break // older jobs' saves are no longer in the record
		}
		if c, ok := cadenceOf(j, st.Saves); ok {
			return c, true
		}
	}
	return Cadence{}, false
}

// saveInterval is the time expected between two saves of the current job:
// the run's cadence, else the time between the last two new checkpoints the
// daemon saw (0: not known yet).
func (d *decider) saveInterval() time.Duration {
	if c, ok := RunCadence(d.next); ok {
		return c.SaveInterval
	}
	if n := len(d.next.Saves); n >= 2 {
		return max(0, d.next.Saves[n-1].ModTime.Sub(d.next.Saves[n-2].ModTime))
	}
	return 0
}

// LastSaveAt is when the newest recorded save was written (zero: none).
func (st RunState) LastSaveAt() time.Time {
	if n := len(st.Saves); n > 0 {
		return st.Saves[n-1].ModTime
	}
	return time.Time{}
}
