package ckpt

import (
	"io/fs"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/fstest"
)

// TestGroupSteps feeds the files of 1,500 steps in a shuffled order, as
// a hashed directory lists them, with rank counts that vary by step.
// Every step must come out whole, in order.
func TestGroupSteps(t *testing.T) {
	const steps = 1500
	shardsOf := func(step int) int { return 1 + step%7 }
	m := fstest.MapFS{}
	for s := range steps {
		m[ModelName(s*10)] = &fstest.MapFile{}
		m[MetaName(s*10)] = &fstest.MapFile{}
		for r := range shardsOf(s) {
			m[OptimName(s*10, r)] = &fstest.MapFile{}
		}
	}
	entries, err := fs.ReadDir(m, ".")
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(4) {
		rand.New(rand.NewPCG(1, seed)).Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		l := groupSteps(entries)
		if len(l.steps) != steps {
			t.Fatalf("seed %d: %d steps, want %d", seed, len(l.steps), steps)
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
				t.Fatalf("seed %d: steps[%d] = step %d, model %v, meta %v, ranks %v; want step %d, both, ranks %v",
					seed, i, s.step, s.model.listed, s.meta.listed, ranks, i*10, want)
			}
		}
	}
}
