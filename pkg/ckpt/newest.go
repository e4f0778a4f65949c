package ckpt

import (
	"slices"
)

// scanNewest verifies steps newest first until it has found opt.Newest
// complete steps, and reports every step it
// verified, ascending: those complete steps and every step newer than the
// newest of them, torn or still being written. That is what a supervisor
// needs each time a checkpoint directory changes (the step to resume from,
// why anything newer is unusable, and one fallback) for the cost of one
// listing and a few steps, however many older steps the directory holds:
// a full Scan of 2,000 steps opens 20,000 files, this about ten.
//
// Older steps are neither opened nor stat'ed. Report.Unverified lists
// those whose every file is in the listing for the rank count: complete
// by name only, not checked. The report has no Notes, which need every
// step's verdict.
func scanNewest(l listing, c *checker, opt Options) Report {
	want := opt.Newest
	var steps []Step
	i := len(l.steps) - 1
	for found := 0; i >= 0 && found < want; i-- {
		s := c.verify(l.steps[i])
		steps = append(steps, s)
		if s.Complete {
			found++
		}
	}
	slices.Reverse(steps)
	r := Report{Ranks: c.ranks, RanksInferred: opt.Ranks == 0, Steps: steps}
	for j := 0; j <= i; j++ {
		if l.steps[j].named(c.ranks) {
			r.Unverified = append(r.Unverified, l.steps[j].step)
		}
	}
	return r
}

// named reports whether the listing has every file of the step for ranks
// optimizer shards: the step is complete by its file names.
func (s *stepEntries) named(ranks int) bool {
	if !s.model.listed || !s.meta.listed {
		return false
	}
	n := 0
	for _, r := range s.optim {
		if r.rank < ranks {
			n++
		}
	}
	return n == ranks
}
