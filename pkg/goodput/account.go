package goodput

import (
	"slices"
	"time"
)

// Step markers, as the supervisor records them.
const (
	// FreshStart is the resume step of a job that started from scratch.
	FreshStart = -1
	// NoCheckpoint is the newest step when no complete checkpoint exists.
	NoCheckpoint = -1
)

// Job is what is known of one job of a run, for accounting.
type Job struct {
	ID    string
	State string
	// Ended is set once the job is over; a running job is accounted up
	// to Now.
	Ended bool

	Submit, Start, End time.Time
	Elapsed            time.Duration // sacct's; Now - Start is used while it runs
	AllocTRES          string
	NodeList           string // as sacct prints it, for the reader

	// ResumeStep is the step the job resumed from: FreshStart, or below
	// that when unknown (then the log's first step is used).
	ResumeStep int
	// NewestStep is the newest complete checkpoint step at the job's end
	// (now, while it runs); NoCheckpoint when there is none.
	NewestStep int
	// Steps is what the job's training log showed.
	Steps StepStats
	// FirstStepAt is when the first training step was printed (zero:
	// not seen).
	FirstStepAt time.Time
}

// Tally is what jobs cost and what they bought, in Unit-hours.
type Tally struct {
	// AllocHours is units × run time. GPUHours repeats it when the unit
	// is GPUs, and is absent otherwise.
	AllocHours float64  `json:"alloc_hours"`
	GPUHours   *float64 `json:"gpu_hours,omitempty"`
	// BankedSteps were trained and saved in a complete checkpoint;
	// BankedHours is their cost at the measured step time.
	BankedSteps int     `json:"banked_steps"`
	BankedHours float64 `json:"banked_hours"`
	// LostSteps were trained after the last complete checkpoint and died
	// with their job; LostHours is their cost. Zero while a job runs.
	LostSteps int     `json:"lost_steps"`
	LostHours float64 `json:"lost_hours"`
	// Goodput is BankedHours / AllocHours; nil when nothing was allocated
	// or the step time is unknown.
	Goodput *float64 `json:"goodput,omitempty"`
}

// JobAccount is one job's line of the report. Durations are zero when
// they cannot be told.
type JobAccount struct {
	JobID    string
	State    string
	NodeList string
	Alloc
	Tally
	StepTime time.Duration
	// QueueWait is submit → start (→ now while pending), Restart start →
	// first training step, Reaction this job's end → the next job's
	// submission.
	QueueWait time.Duration
	Restart   time.Duration
	Reaction  time.Duration
}

// RunAccount is the report of a whole run: its jobs, oldest first, and
// their totals.
type RunAccount struct {
	Jobs []JobAccount
	// Unit is the unit of every job's hours, or "mixed".
	Unit string
	Tally
	QueueWait time.Duration
	StepTime  time.Duration
}

// Account accounts for a run's jobs, oldest first, as of now. A job
// whose log gave no step time is costed at the median step time of the
// others.
func Account(jobs []Job, now time.Time) RunAccount {
	var r RunAccount
	var stepTimes []time.Duration
	for _, j := range jobs {
		if j.Steps.StepTime > 0 {
			stepTimes = append(stepTimes, j.Steps.StepTime)
		}
	}
	runStep := Median(stepTimes)
	for i, j := range jobs {
		a := accountJob(j, now, runStep)
		if i+1 < len(jobs) && j.Ended && !j.End.IsZero() && !jobs[i+1].Submit.IsZero() {
			a.Reaction = max(0, jobs[i+1].Submit.Sub(j.End))
		}
		r.add(a)
	}
	r.StepTime = runStep
	r.derive(r.Unit, runStep)
	return r
}

func (r *RunAccount) add(a JobAccount) {
	r.Jobs = append(r.Jobs, a)
	switch {
	case a.Unit == "":
	case r.Unit == "":
		r.Unit = a.Unit
	case r.Unit != a.Unit:
		r.Unit = "mixed"
	}
	r.AllocHours += a.AllocHours
	r.BankedHours += a.BankedHours
	r.LostHours += a.LostHours
	r.BankedSteps += a.BankedSteps
	r.LostSteps += a.LostSteps
	r.QueueWait += a.QueueWait
}

func accountJob(j Job, now time.Time, runStep time.Duration) JobAccount {
	a := JobAccount{JobID: j.ID, State: j.State, NodeList: j.NodeList, Alloc: ParseAllocTRES(j.AllocTRES)}
	ran := j.Elapsed
	if !j.Ended && !j.Start.IsZero() && now.After(j.Start) {
		ran = now.Sub(j.Start)
	}
	a.AllocHours = float64(a.Count) * ran.Hours()
	a.StepTime = j.Steps.StepTime
	if a.StepTime <= 0 {
		a.StepTime = runStep
	}
	base, newest := baseStep(j), j.NewestStep
	if base >= 0 && newest > base {
		a.BankedSteps = newest - base
	}
	if j.Ended && j.Steps.Lines > 0 {
		// "step N" is printed after step N was trained: N+1 steps done.
		a.LostSteps = max(0, j.Steps.LastStep+1-max(newest, base))
	}
	unitHours := float64(a.Count) * a.StepTime.Hours()
	a.BankedHours = float64(a.BankedSteps) * unitHours
	a.LostHours = float64(a.LostSteps) * unitHours
	switch {
	case !j.Start.IsZero() && !j.Submit.IsZero():
		a.QueueWait = max(0, j.Start.Sub(j.Submit))
	case !j.Ended && !j.Submit.IsZero():
		a.QueueWait = max(0, now.Sub(j.Submit))
	}
	// A first step outside the job's run time was timed by another
	// clock (or another job writing the same log): no restart is known.
	if r := j.FirstStepAt.Sub(j.Start); !j.Start.IsZero() && !j.FirstStepAt.IsZero() && r >= 0 && (ran <= 0 || r <= ran) {
		a.Restart = r
	}
	a.derive(a.Unit, a.StepTime)
	return a
}

// baseStep is the step the job's training started from: its resume step,
// 0 for a fresh start, the log's first step when the resume step is
// unknown, or -1 when nothing tells.
func baseStep(j Job) int {
	switch {
	case j.ResumeStep >= 0:
		return j.ResumeStep
	case j.ResumeStep == FreshStart:
		return 0
	case j.Steps.Lines > 0:
		return j.Steps.FirstStep
	}
	return -1
}

// derive sets what follows from the sums: GPUHours when the unit is GPUs,
// and Goodput when the step time is known.
func (t *Tally) derive(unit string, stepTime time.Duration) {
	if unit == UnitGPU {
		h := t.AllocHours
		t.GPUHours = &h
	}
	if t.AllocHours > 0 && stepTime > 0 {
		g := min(1, t.BankedHours/t.AllocHours)
		t.Goodput = &g
	}
}

// Median is the upper median of ds, 0 for none. ds is not modified.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}
