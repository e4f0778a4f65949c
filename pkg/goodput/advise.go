package goodput

import (
	"fmt"
	"strings"
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
	// EvalEvery, CoreEvery and NumIterations are the run's --eval-every,
	// --core-metric-every and --num-iterations (0: unknown or off). A
	// job resumed from step S evaluates at S again when S is an
	// evaluation step, so the advice keeps save steps off them.
	EvalEvery, CoreEvery, NumIterations int
}

// Repeats counts the save steps of an interval before the last step, and
// how many of them are val_bpb and CORE evaluation steps: a job resumed
// from one of those repeats the evaluation.
type Repeats struct {
	Saves  int `json:"save_steps"`
	ValBPB int `json:"val_bpb"`
	Core   int `json:"core"`
}

// repeats counts k's save steps below NumIterations that are evaluation
// steps; the zero Repeats when the run's evaluations are not known.
func (in AdviceInput) repeats(k int) Repeats {
	n := in.NumIterations - 1
	if k <= 0 || n < k || in.EvalEvery <= 0 && in.CoreEvery <= 0 {
		return Repeats{}
	}
	hits := func(every int) int {
		if every <= 0 {
			return 0
		}
		return n / (k / gcd(k, every) * every)
	}
	return Repeats{Saves: n / k, ValBPB: hits(in.EvalEvery), Core: hits(in.CoreEvery)}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// offEvaluations is the interval in [lo, k] whose save steps hold the
// fewest CORE steps (minutes on a real run), then the fewest val_bpb steps
// (seconds), the largest of equals: k itself unless a smaller one repeats
// less. Counts, not shares: a smaller interval has more save steps, and
// one evaluation step fewer is not worth many more steps of tail.
func (in AdviceInput) offEvaluations(k, lo int) int {
	best, rb := k, in.repeats(k)
	for j := k - 1; j >= max(1, lo) && rb != (Repeats{Saves: rb.Saves}); j-- {
		if r := in.repeats(j); r.Core < rb.Core || r.Core == rb.Core && r.ValBPB < rb.ValBPB {
			best, rb = j, r
		}
	}
	return best
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
	// the advice would; SaveEvery is then Current, or the shift from it
	// that ShiftedFrom says is offered.
	Keep bool `json:"keep,omitempty"`
	// AtRisk is set when the current interval's last save ends within
	// the margin of the limit: one slow save and it is cut off, so
	// LossNow counts the whole interval before it too.
	AtRisk bool `json:"at_risk,omitempty"`
	// EvalEvery and CoreEvery are the run's evaluation cadences the advice
	// kept save steps off (0: unknown or off).
	EvalEvery int `json:"eval_every,omitempty"`
	CoreEvery int `json:"core_metric_every,omitempty"`
	// Repeats are SaveEvery's save steps that are evaluation steps.
	Repeats Repeats `json:"repeats,omitzero"`
	// ShiftedFrom is the interval the tail alone advises (with Keep, the
	// current one) when SaveEvery was moved below it so that fewer save
	// steps are evaluation steps; RepeatsFrom are its repeats. SaveEvery
	// then loses LossAdvised at a TIMEOUT.
	ShiftedFrom int     `json:"shifted_from,omitempty"`
	RepeatsFrom Repeats `json:"repeats_shifted_from,omitzero"`
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
//
// The expected cost of a job's end is the tail a TIMEOUT loses plus, as
// the next job resumes from a save step, the evaluations nanochat makes
// again there, times the share of save steps that are evaluation steps.
// Evaluations are not measured apart from the saves, so the rule bounds
// the tail it adds and repeats the fewest evaluations within that bound:
// k moves down to the interval whose save steps below NumIterations hold
// the fewest CORE steps, then val_bpb steps (offEvaluations), by at most
// what lengthens the tail by 1% of R (the margin's own share) or one step
// per save. A round 1000 against --eval-every 250 and --core-metric-every
// 2000 repeats val_bpb at every resume and CORE at every other; 999
// repeats neither, for n steps more of tail. When the current interval
// already loses no more at a TIMEOUT (Keep) but some of its save steps
// are CORE steps, the shift is offered from it, with what it adds to the
// tail.
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
	period := func(k int) time.Duration { return time.Duration(k)*t + d }
	// tail is what a TIMEOUT loses saving every k steps from the job's
	// start; a last save that ends within the margin of the limit is at
	// risk and counts as lost with the interval before it.
	tail := func(k int) (time.Duration, bool) {
		p := period(k)
		loss := r - r/p*p
		if r >= p && loss < margin {
			return loss + p, true
		}
		return loss, false
	}
	// A move off evaluation steps may lengthen the tail of n saves by
	// bound: 1% of R, or one step per save.
	bound := func(n int) time.Duration { return max(r/100, time.Duration(max(1, n))*t) }
	shift := func(k, n int) int { return in.offEvaluations(k, k-int(bound(n)/(time.Duration(max(1, n))*t))) }
	a := Advice{Current: in.Current, Margin: margin, EvalEvery: in.EvalEvery, CoreEvery: in.CoreEvery}
	n := int(r / hourOfTraining)
	switch {
	case in.Current > 0:
		n = int(r / period(in.Current))
		a.LossNow, a.AtRisk = tail(in.Current)
	case in.Current == SaveOnlyAtEnd:
		a.LossNow = r
	}
	a.LossNowSteps = int(a.LossNow / t)
	for n = max(1, n); n >= 1; n-- {
		k := int((r - margin - time.Duration(n)*d) / (time.Duration(n) * t))
		if k >= 1 {
			a.SaveEvery, a.SavesPerJob = k, n
			break
		}
	}
	if a.SaveEvery == 0 {
		return Advice{}, false
	}
	if k := shift(a.SaveEvery, a.SavesPerJob); k != a.SaveEvery {
		a.ShiftedFrom, a.RepeatsFrom, a.SaveEvery = a.SaveEvery, in.repeats(a.SaveEvery), k
	}
	a.LossAdvised = r - time.Duration(a.SavesPerJob)*period(a.SaveEvery)
	a.Repeats = in.repeats(a.SaveEvery)
	if in.Current > 0 && a.LossNow <= a.LossAdvised {
		a.Keep, a.SaveEvery, a.LossAdvised = true, in.Current, a.LossNow
		a.Repeats, a.ShiftedFrom, a.RepeatsFrom = in.repeats(in.Current), 0, Repeats{}
		n := int(r / period(in.Current))
		if k := shift(in.Current, n); a.Repeats.Core > 0 && k != in.Current {
			// k may fit one save more per job, whose end can fall within
			// the margin: the tail as tail counts it decides.
			if loss, _ := tail(k); loss-a.LossNow <= bound(n) {
				a.ShiftedFrom, a.RepeatsFrom, a.SaveEvery, a.Repeats, a.LossAdvised = in.Current, a.Repeats, k, in.repeats(k), loss
			}
		}
	}
	a.LossAdvisedSteps = int(a.LossAdvised / t)
	return a, true
}

// String says the advice in one line, for status, report and
// check-config.
func (a Advice) String() string {
	if a.Keep {
		s := fmt.Sprintf("--save-every %d is right: a TIMEOUT loses %s of training", a.Current, roundDur(a.LossNow))
		if a.ShiftedFrom > 0 {
			more := "and a TIMEOUT loses no more"
			if a.LossAdvised > a.LossNow {
				more = fmt.Sprintf("for %s more per TIMEOUT", roundDur(a.LossAdvised-a.LossNow))
			}
			s += fmt.Sprintf("; but a resume repeats %s (%s): --save-every %d repeats %s, %s",
				a.repeatsText(a.RepeatsFrom), a.cadences(), a.SaveEvery, a.repeatsText(a.Repeats), more)
		}
		return s
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
	saves := "saves"
	if a.SavesPerJob == 1 {
		saves = "save"
	}
	s := fmt.Sprintf("use --save-every %d (%d %s per job): a TIMEOUT then loses %s (%d steps) instead of %s",
		a.SaveEvery, a.SavesPerJob, saves, roundDur(a.LossAdvised), a.LossAdvisedSteps, now)
	if a.ShiftedFrom > 0 {
		s += fmt.Sprintf("; %d rather than %d keeps save steps off evaluation steps (%s): a resume repeats %s, not %s",
			a.SaveEvery, a.ShiftedFrom, a.cadences(), a.repeatsText(a.Repeats), a.repeatsText(a.RepeatsFrom))
	}
	return s
}

// repeatsText says which evaluations a resume from r's save steps repeats:
// "no evaluation" or "val_bpb at 21 and CORE at 10 of 21 save steps".
func (a Advice) repeatsText(r Repeats) string {
	if r.ValBPB == 0 && r.Core == 0 {
		return "no evaluation"
	}
	var at []string
	if a.EvalEvery > 0 {
		at = append(at, fmt.Sprintf("val_bpb at %d", r.ValBPB))
	}
	if a.CoreEvery > 0 {
		at = append(at, fmt.Sprintf("CORE at %d", r.Core))
	}
	return fmt.Sprintf("%s of %d save steps", strings.Join(at, " and "), r.Saves)
}

// cadences names the run's evaluation flags: "--eval-every 250,
// --core-metric-every 2000".
func (a Advice) cadences() string {
	var flags []string
	if a.EvalEvery > 0 {
		flags = append(flags, fmt.Sprintf("--eval-every %d", a.EvalEvery))
	}
	if a.CoreEvery > 0 {
		flags = append(flags, fmt.Sprintf("--core-metric-every %d", a.CoreEvery))
	}
	return strings.Join(flags, ", ")
}

func roundDur(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
