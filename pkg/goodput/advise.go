package goodput

import (
	"fmt"
	"time"
)

// SaveOnlyAtEnd is the save interval of a run that saves only at its last
// step (nanochat's --save-every -1): a TIMEOUT loses the whole job.
const SaveOnlyAtEnd = -1

// AdviceInput is what the advice is computed from, all measured.
type AdviceInput struct {
	StepTime  time.Duration // median training step (StepTime)
	SaveCost  time.Duration // one save beyond training (Interval.SaveCost); 0 if unknown
	TimeLimit time.Duration // the job's Slurm time limit; 0: none (no TIMEOUT)
	Restart   time.Duration // job start → first training step
	// Current is the --save-every in effect: steps between saves,
	// SaveOnlyAtEnd, or 0 when unknown.
	Current int
}

// Advice is a --save-every that makes the last save of a job land just
// before its time limit, keeping as many saves per job as now.
type Advice struct {
	SaveEvery int `json:"save_every"`
	Current   int `json:"current,omitempty"`
	// SavesPerJob is how many saves a job that runs to its limit makes.
	SavesPerJob int `json:"saves_per_job"`
	// LossNow and LossAdvised are the training time one TIMEOUT throws
	// away (steps after the last save), now and with SaveEvery; LossNow
	// is zero when the current interval is unknown.
	LossNow          time.Duration `json:"loss_now,omitempty"`
	LossNowSteps     int           `json:"loss_now_steps,omitempty"`
	LossAdvised      time.Duration `json:"loss_advised"`
	LossAdvisedSteps int           `json:"loss_advised_steps"`
	// Margin is the time left free before the limit for the last save to
	// finish despite jitter.
	Margin time.Duration `json:"margin"`
	// Keep is set when the current interval already loses no more than
	// the advice would.
	Keep bool `json:"keep,omitempty"`
	// AtRisk is set when the current interval's last save ends within
	// the margin of the limit: one slow save and it is cut off, so
	// LossNow counts the whole interval before it too.
	AtRisk bool `json:"at_risk,omitempty"`
}

// hourOfTraining is the save interval aimed at when a run saves only at
// its end: often enough that a crash costs under an hour.
const hourOfTraining = time.Hour

// Advise computes the advice; ok is false when it cannot be given (no
// step time, no time limit, or a limit too short to train in).
//
// A job trains for R = TimeLimit - Restart. Saving every k steps, a save
// period is P = k·StepTime + SaveCost; a job completes n = ⌊R/P⌋ saves
// and a TIMEOUT loses R - n·P. The advice keeps n (so saving costs what
// it costs now) and stretches k until the n-th save ends a margin before
// the limit. It relies on saves falling at multiples of k counted from
// the resume step, which holds when the run resumes from a step that is
// a multiple of k (nanochat saves when step % save_every == 0).
func Advise(in AdviceInput) (Advice, bool) {
	t, d := in.StepTime, max(0, in.SaveCost)
	r := in.TimeLimit - in.Restart
	if t <= 0 || in.TimeLimit <= 0 || r <= 0 {
		return Advice{}, false
	}
	// The margin absorbs jitter in step and save times and Slurm's 0-30 s
	// late check of the limit: 1% of the job, five steps, and a minute,
	// but never more than a tenth of a short job.
	margin := max(r/100, 5*t, min(time.Minute, r/10))
	a := Advice{Current: in.Current, Margin: margin}
	n := int(r / hourOfTraining)
	switch {
	case in.Current > 0:
		p := time.Duration(in.Current)*t + d
		n = int(r / p)
		a.LossNow = r - time.Duration(n)*p
		if n > 0 && a.LossNow < margin {
			a.AtRisk, a.LossNow = true, a.LossNow+p
		}
		a.LossNowSteps = int(a.LossNow / t)
	case in.Current == SaveOnlyAtEnd:
		a.LossNow, a.LossNowSteps = r, int(r/t)
	}
	n = max(1, n)
	for ; n >= 1; n-- {
		k := int((r - margin - time.Duration(n)*d) / (time.Duration(n) * t))
		if k >= 1 {
			a.SaveEvery, a.SavesPerJob = k, n
			break
		}
	}
	if a.SaveEvery == 0 {
		return Advice{}, false
	}
	a.LossAdvised = r - time.Duration(a.SavesPerJob)*(time.Duration(a.SaveEvery)*t+d)
	a.LossAdvisedSteps = int(a.LossAdvised / t)
	if in.Current > 0 && a.LossNow <= a.LossAdvised {
		a.Keep, a.SaveEvery = true, in.Current
		a.LossAdvised, a.LossAdvisedSteps = a.LossNow, a.LossNowSteps
	}
	return a, true
}

// String says the advice in one line, for status, report and
// check-config.
func (a Advice) String() string {
	if a.Keep {
		return fmt.Sprintf("--save-every %d is right: a TIMEOUT loses %s of training", a.Current, roundDur(a.LossNow))
	}
	now := "an unknown amount now"
	switch {
	case a.Current == SaveOnlyAtEnd:
		now = fmt.Sprintf("the whole job (%s) now, saving only at the end", roundDur(a.LossNow))
	case a.Current > 0 && a.AtRisk:
		now = fmt.Sprintf("up to %s (%d steps) now with --save-every %d, whose last save ends too near the limit",
			roundDur(a.LossNow), a.LossNowSteps, a.Current)
	case a.Current > 0:
		now = fmt.Sprintf("%s (%d steps) now with --save-every %d", roundDur(a.LossNow), a.LossNowSteps, a.Current)
	}
	return fmt.Sprintf("use --save-every %d (%d saves per job): a TIMEOUT then loses %s (%d steps) instead of %s",
		a.SaveEvery, a.SavesPerJob, roundDur(a.LossAdvised), a.LossAdvisedSteps, now)
}

func roundDur(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
