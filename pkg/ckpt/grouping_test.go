package ckpt

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestStepGrouper feeds the files of 1,500 steps in a shuffled order, as
// a hashed directory lists them, with rank counts that vary by step, so
// that steps outgrow the room reserved for their shards and shards span
// several blocks. Every step must come out whole, in order.
func TestStepGrouper(t *testing.T) {
	const steps = 1500
	shardsOf := func(step int) int { return 1 + step%7 }
	var names []Name
	for s := range steps {
		names = append(names, Name{Kind: KindModel, Step: s * 10, Rank: -1}, Name{Kind: KindMeta, Step: s * 10, Rank: -1})
		for r := range shardsOf(s) {
			names = append(names, Name{Kind: KindOptim, Step: s * 10, Rank: r})
		}
	}
	for _, hint := range []int{0, 2, 8, MaxRank} {
		rand.New(rand.NewPCG(1, uint64(hint))).Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		g := newStepGrouper(hint)
		for i, n := range names {
			g.add(n, 0, int32(i))
		}
		l := g.listing(nil)
		if len(l.steps) != steps {
			t.Fatalf("hint %d: %d steps, want %d", hint, len(l.steps), steps)
		}
		for i, s := range l.steps {
			var ranks, want []int
			for _, r := range s.optim {
				ranks = append(ranks, r.rank)
			}
			for r := range shardsOf(i) {
				want = append(want, r)
			}
			if s.step != i*10 || !s.model.listed || !s.meta.listed || !reflect.DeepEqual(ranks, want) {
				t.Fatalf("hint %d: steps[%d] = step %d, model %v, meta %v, ranks %v; want step %d, both, ranks %v",
					hint, i, s.step, s.model.listed, s.meta.listed, ranks, i*10, want)
			}
			// A rank count far beyond the files must not make each step
			// reserve room for that many shards.
			if c := cap(s.optim); c > max(maxReserve, 2*len(s.optim)) {
				t.Fatalf("hint %d: steps[%d] has room for %d shards, holds %d", hint, i, c, len(s.optim))
			}
		}
	}
}
