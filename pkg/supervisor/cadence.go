package supervisor

import "time"

// A run's pace, measured from its own checkpoints: the wall time of one
// save interval, the steps it holds, and how long a job takes from its
// start to its first training step (loading the checkpoint, compiling).
// The stall alarm and time_limit: fit rely on it. Checkpoint modification
// times are used where the scan has them: they are when the save ended,
// not when the daemon happened to look.

// SaveTrack follows the new complete checkpoints one job wrote: the first
// and the last, by step and time, how many the daemon saw, and the fewest
// steps between two of them (a save the daemon missed between two passes
// must not double the interval).
type SaveTrack struct {
	FirstStep int       `json:"first_step"`
	FirstAt   time.Time `json:"first_at"`
	LastStep  int       `json:"last_step"`
	LastAt    time.Time `json:"last_at"`
	Count     int       `json:"count"`
	MinGap    int       `json:"min_gap,omitempty"`
}

// Cadence is the pace of a run as one job showed it.
type Cadence struct {
	// SaveInterval is the wall time from one save to the next.
	SaveInterval time.Duration `json:"save_interval"`
	// StepsPerSave is the steps between two saves (--save-every).
	StepsPerSave int `json:"steps_per_save"`
	// Restart is the time from the job's start to its first training
	// step; 0 when it could not be told.
	Restart time.Duration `json:"restart,omitempty"`
}

// cadenceOf measures the cadence of a job from its saves; ok is false
// until the job has saved twice.
func cadenceOf(j JobRecord) (Cadence, bool) {
	t := j.Saves
	if t == nil || t.Count < 2 || t.MinGap < 1 || t.LastStep <= t.FirstStep || !t.LastAt.After(t.FirstAt) {
		return Cadence{}, false
	}
	perStep := float64(t.LastAt.Sub(t.FirstAt)) / float64(t.LastStep-t.FirstStep)
	c := Cadence{SaveInterval: time.Duration(perStep * float64(t.MinGap)), StepsPerSave: t.MinGap}
	if j.Start.IsZero() || !t.FirstAt.After(j.Start) {
		return c, true
	}
	// The first save came after the restart plus the steps from the resume
	// step to it; a resume step that is not known is taken to be one save
	// interval back (nanochat resumes from a save step).
	from := j.ResumeStep
	switch {
	case from == NoStep:
		from = 0
	case from < 0 || from >= t.FirstStep:
		from = t.FirstStep - c.StepsPerSave
	}
	training := time.Duration(perStep * float64(t.FirstStep-from))
	if r := t.FirstAt.Sub(j.Start) - training; r > 0 {
		c.Restart = r
	}
	return c, true
}

// noteJobSave adds the newest complete step, when this pass found it, to the
// current job's saves. A step older than the job's start or resume step
// was written by an earlier job.
func (d *decider) noteJobSave() {
	job, newest := d.next.Job, d.next.NewestStep
	if job == nil || job.Handled || newest <= d.in.State.NewestStep || (job.ResumeStep >= 0 && newest <= job.ResumeStep) {
		return
	}
	at := d.newestSavedAt()
	if (!job.Start.IsZero() && at.Before(job.Start)) || (!job.Submitted.IsZero() && at.Before(job.Submitted)) {
		return
	}
	t := job.Saves
	if t == nil {
		job.Saves = &SaveTrack{FirstStep: newest, FirstAt: at, LastStep: newest, LastAt: at, Count: 1}
		return
	}
	if gap := newest - t.LastStep; t.MinGap == 0 || gap < t.MinGap {
		t.MinGap = gap
	}
	t.LastStep, t.LastAt = newest, at
	t.Count++
}

// newestSavedAt is when the newest complete step was written: the
// modification time of its files when the scan has it, else now.
func (d *decider) newestSavedAt() time.Time {
	for _, c := range d.in.Ckpt.Complete {
		if c.Step == d.in.Ckpt.Newest && !c.ModTime.IsZero() {
			return c.ModTime
		}
	}
	return d.in.Now
}

// saveInterval is the time expected between two saves of the current job:
// measured within the job once it has saved twice, else the run's last
// measured cadence, else the gap between the last two new checkpoints the
// daemon saw (0: not known yet).
func (d *decider) saveInterval() time.Duration {
	if j := d.next.Job; j != nil {
		if c, ok := cadenceOf(*j); ok {
			return c.SaveInterval
		}
	}
	if c := d.next.Cadence; c != nil && c.SaveInterval > 0 {
		return c.SaveInterval
	}
	return d.next.CheckpointGap
}

// keepCadence remembers the cadence of a job that has ended, so that the
// next job's stall alarm and time limit can use it from its first minute.
func (d *decider) keepCadence() {
	if c, ok := cadenceOf(*d.next.Job); ok {
		d.next.Cadence = &c
	}
}
