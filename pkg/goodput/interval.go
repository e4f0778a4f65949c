package goodput

import (
	"math"
	"slices"
	"time"
)

// Checkpoint is a complete checkpoint step and when its files were last
// written. The supervisor keeps a bounded list of them as the one record
// of a run's saves.
type Checkpoint struct {
	Step    int       `json:"step"`
	ModTime time.Time `json:"mod_time"`
}

// Span is the time a job ran, Start to End (End zero: still running).
type Span struct {
	Start, End time.Time
}

// Contains reports whether t falls within the span, its ends included.
func (s Span) Contains(t time.Time) bool {
	return !t.Before(s.Start) && (s.End.IsZero() || !t.After(s.End))
}

// Interval is how often the trainer saved, measured from checkpoints.
type Interval struct {
	// Steps is the median number of steps between consecutive saves
	// (the --save-every in effect), Wall the time they take at the median
	// time per step: a save missed between two observations doubles one
	// pair's steps and wall time, not the interval.
	Steps int           `json:"steps"`
	Wall  time.Duration `json:"wall"`
	// Pairs counts the consecutive saves measured; 0 means nothing was
	// measured and the other fields are zero.
	Pairs int `json:"pairs"`
}

// SaveCost is the time one save costs beyond training: the wall time
// between saves less the steps trained in it (evaluations that fall in
// the interval count as part of it). 0 when not measurable.
func (iv Interval) SaveCost(stepTime time.Duration) time.Duration {
	if iv.Pairs == 0 || stepTime <= 0 {
		return 0
	}
	return max(0, iv.Wall-time.Duration(iv.Steps)*stepTime)
}

// SaveInterval measures the save interval from complete checkpoints, every
// consecutive pair of them: the caller passes one job's saves, since the
// time between the last save of one job and the first of the next holds a
// queue wait and a restart. Checkpoints without a modification time are
// ignored.
func SaveInterval(ckpts []Checkpoint) Interval {
	cs := slices.DeleteFunc(slices.Clone(ckpts), func(c Checkpoint) bool { return c.ModTime.IsZero() })
	slices.SortFunc(cs, func(a, b Checkpoint) int { return a.Step - b.Step })
	var steps []int
	var perStep []float64
	for i := 1; i < len(cs); i++ {
		a, b := cs[i-1], cs[i]
		if b.Step <= a.Step || !b.ModTime.After(a.ModTime) {
			continue
		}
		steps = append(steps, b.Step-a.Step)
		perStep = append(perStep, float64(b.ModTime.Sub(a.ModTime))/float64(b.Step-a.Step))
	}
	if len(steps) == 0 {
		return Interval{}
	}
	slices.Sort(steps)
	slices.Sort(perStep)
	// The lower median of the steps: with two pairs, one of them spanning
	// a missed save, the smaller gap is the --save-every.
	n := steps[(len(steps)-1)/2]
	return Interval{Steps: n, Wall: time.Duration(math.Round(perStep[len(perStep)/2] * float64(n))), Pairs: len(steps)}
}
