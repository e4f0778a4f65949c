package goodput

import (
	"slices"
	"time"
)

// Checkpoint is a complete checkpoint step and when its files were last
// written.
type Checkpoint struct {
	Step    int
	ModTime time.Time
}

// Span is the time a job ran, Start to End (End zero: still running).
type Span struct {
	Start, End time.Time
}

func (s Span) contains(t time.Time) bool {
	return !t.Before(s.Start) && (s.End.IsZero() || !t.After(s.End))
}

// Interval is how often the trainer saved, measured from checkpoints.
type Interval struct {
	// Steps is the median number of steps between consecutive saves
	// (the --save-every in effect), Wall the median time between them.
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

// SaveInterval measures the save interval from complete checkpoints. Only
// two consecutive saves written within one job's span count: the time
// between the last save of one job and the first of the next holds a
// queue wait and a restart. With no spans, every consecutive pair counts.
// Checkpoints without a modification time are ignored.
func SaveInterval(ckpts []Checkpoint, spans []Span) Interval {
	var cs []Checkpoint
	for _, c := range ckpts {
		if !c.ModTime.IsZero() {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(a, b Checkpoint) int { return a.Step - b.Step })
	var steps []int
	var walls []time.Duration
	for i := 1; i < len(cs); i++ {
		a, b := cs[i-1], cs[i]
		if b.Step <= a.Step || !b.ModTime.After(a.ModTime) || !sameSpan(spans, a.ModTime, b.ModTime) {
			continue
		}
		steps = append(steps, b.Step-a.Step)
		walls = append(walls, b.ModTime.Sub(a.ModTime))
	}
	if len(steps) == 0 {
		return Interval{}
	}
	slices.Sort(steps)
	slices.Sort(walls)
	return Interval{Steps: steps[len(steps)/2], Wall: walls[len(walls)/2], Pairs: len(steps)}
}

func sameSpan(spans []Span, a, b time.Time) bool {
	if len(spans) == 0 {
		return true
	}
	for _, s := range spans {
		if s.contains(a) && s.contains(b) {
			return true
		}
	}
	return false
}
