package ckpt

import "strings"

// RetentionPolicy says which complete checkpoints to keep besides those
// that are always kept (the newest complete step, the best val_bpb step,
// protected steps, and anything that may still be being written).
type RetentionPolicy struct {
	// KeepLast keeps the newest KeepLast complete steps.
	KeepLast int
	// KeepEvery keeps every KeepEvery-th checkpoint by step number: a
	// complete step is kept when it is a multiple of KeepEvery × the run's
	// save interval (user_config.save_every from its meta file, or else the
	// greatest common divisor of all step numbers in the report). With
	// save_every 500 and KeepEvery 5 that is 2500, 5000, 7500, …
	//
	// The rule depends only on a step's number, so a step kept once stays
	// kept at every later prune. Counting positions among the remaining
	// complete steps would not: each prune shifts the positions, and a
	// later prune deletes what an earlier one kept.
	KeepEvery int
}

// Reasons a step is kept, as they appear in Kept.Reason (joined by ", "
// when several apply). A protected step's reason is the caller's.
const (
	KeepReasonNewestComplete = "newest_complete"
	KeepReasonKeepLast       = "keep_last"
	KeepReasonKeepEvery      = "keep_every"
	KeepReasonBestValBPB     = "best_val_bpb"
	// KeepReasonInProgress: incomplete, but newer than the newest complete
	// step, so it may still be being written.
	KeepReasonInProgress = "maybe_in_progress"
)

// Kept is a step the plan keeps, and why.
type Kept struct {
	Step   int    `json:"step"`
	Reason string `json:"reason"`
}

// PrunePlan is what a prune would do; it is data until DeleteStep runs it.
type PrunePlan struct {
	Keep       []Kept `json:"keep"`        // ascending by step
	Delete     []Step `json:"delete"`      // ascending by step
	FreedBytes int64  `json:"freed_bytes"` // total Bytes of Delete
}

// PlanPrune decides which steps of r to keep and which to delete, as whole
// steps. protect maps steps that must survive (the step the current or last
// attempt resumed from, …) to the reason. Incomplete steps older than the
// newest complete step are torn leftovers and are deleted; incomplete steps
// newer than it are kept. With no complete step at all nothing is deleted.
// Protected steps that r does not have are ignored.
func PlanPrune(r Report, p RetentionPolicy, protect map[int]string) PrunePlan {
	reasons := make(map[int][]string)
	keep := func(step int, reason string) { reasons[step] = append(reasons[step], reason) }

	complete := make([]Step, 0, len(r.Steps))
	for _, s := range r.Steps {
		if s.Complete {
			complete = append(complete, s)
		}
	}
	newest := -1
	if n := len(complete); n > 0 {
		newest = complete[n-1].Step
		keep(newest, KeepReasonNewestComplete)
	}
	fallback := fallbackInterval(r)
	for i, s := range complete {
		if p.KeepLast > 0 && i >= len(complete)-p.KeepLast {
			keep(s.Step, KeepReasonKeepLast)
		}
		if everyNth(s, p.KeepEvery, fallback) {
			keep(s.Step, KeepReasonKeepEvery)
		}
	}
	if best, ok := bestValBPB(complete); ok {
		keep(best, KeepReasonBestValBPB)
	}
	for _, s := range r.Steps {
		if !s.Complete && (newest < 0 || s.Step > newest) {
			keep(s.Step, KeepReasonInProgress)
		}
		if why, ok := protect[s.Step]; ok {
			keep(s.Step, why)
		}
	}

	var plan PrunePlan
	for _, s := range r.Steps {
		if why, ok := reasons[s.Step]; ok {
			plan.Keep = append(plan.Keep, Kept{Step: s.Step, Reason: strings.Join(why, ", ")})
			continue
		}
		plan.Delete = append(plan.Delete, s)
		plan.FreedBytes += s.Bytes
	}
	return plan
}

// bestValBPB returns the complete step with the lowest val_bpb, the newest
// one on a tie.
func bestValBPB(complete []Step) (int, bool) {
	best, found := Step{}, false
	for _, s := range complete {
		if s.ValBPB != nil && (!found || *s.ValBPB <= *best.ValBPB) {
			best, found = s, true
		}
	}
	return best.Step, found
}

// everyNth reports whether KeepEvery keeps s: its step is a multiple of
// KeepEvery save intervals.
func everyNth(s Step, keepEvery, fallback int) bool {
	interval := fallback
	if s.SaveEvery > 0 {
		interval = s.SaveEvery
	}
	width := keepEvery * interval
	if keepEvery <= 0 || width/interval != keepEvery {
		return false // disabled, or so wide it overflows: no step is a multiple
	}
	return s.Step%width == 0
}

// fallbackInterval is the save interval assumed for steps whose meta does
// not say: the greatest common divisor of every step number present.
func fallbackInterval(r Report) int {
	g := 0
	for _, s := range r.Steps {
		g = gcd(g, s.Step)
	}
	return max(g, 1)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
