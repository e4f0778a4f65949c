package ckpt

import (
	"io/fs"
	"slices"
)

// Sizes of the blocks stepGrouper carves steps and shards from, and the
// most shards a step reserves room for: a stray step with thousands of
// shards, or a mistaken rank count, must not make every step reserve
// thousands.
const (
	stepBlock  = 256
	shardBlock = 4096
	maxReserve = 64
)

// stepGrouper groups checkpoint files by step in the order a listing
// yields them. A directory of 2,000 steps holds 20,000 files; growing one
// slice per step, or one for all shards, would allocate and copy several
// times what the listing keeps, and in a short-lived process (the ckpt
// verb) every new page costs a fault. So steps and their shards are carved
// from blocks: each step reserves room for as many shards as the widest
// step so far, or as the rank count the caller expects, and only a step
// that outgrows its room is moved.
type stepGrouper struct {
	width  int // shards a step reserves room for
	byStep map[int]*stepEntries
	steps  []stepEntries // the rest of the current block
	shards []rankEntry   // the used part of the current block
}

func newStepGrouper(ranks int) *stepGrouper {
	return &stepGrouper{width: min(max(ranks, 1), maxReserve), byStep: make(map[int]*stepEntries)}
}

// add records a file whose name parsed as n and whose type the listing
// gave. Directories and irregular files never count; symlinks are kept and
// resolved when the step is checked.
func (g *stepGrouper) add(n Name, typ fs.FileMode, dirent int32) {
	if typ.IsDir() || (!typ.IsRegular() && typ&fs.ModeSymlink == 0) {
		return
	}
	s := g.byStep[n.Step]
	if s == nil {
		if len(g.steps) == 0 {
			g.steps = make([]stepEntries, stepBlock)
		}
		s = &g.steps[0]
		g.steps = g.steps[1:]
		s.step = n.Step
		g.byStep[n.Step] = s
	}
	e := listedFile{listed: true, symlink: typ&fs.ModeSymlink != 0, dirent: dirent}
	switch n.Kind {
	case KindModel:
		s.model = e
	case KindMeta:
		s.meta = e
	case KindOptim:
		if s.optim == nil {
			s.optim = g.reserve()
		}
		s.optim = append(s.optim, rankEntry{rank: n.Rank, entry: e})
		g.width = min(max(g.width, len(s.optim)), maxReserve)
	}
}

// reserve returns an empty slice with room for g.width shards.
func (g *stepGrouper) reserve() []rankEntry {
	n := len(g.shards)
	if cap(g.shards)-n < g.width {
		g.shards, n = make([]rankEntry, 0, shardBlock), 0
	}
	g.shards = g.shards[:n+g.width]
	return g.shards[n : n : n+g.width]
}

// listing sorts shards by rank and steps by number and returns them with
// the DirEntries they refer to.
func (g *stepGrouper) listing(dirents []fs.DirEntry) listing {
	steps := make([]*stepEntries, 0, len(g.byStep))
	for _, s := range g.byStep {
		slices.SortFunc(s.optim, func(a, b rankEntry) int { return a.rank - b.rank })
		steps = append(steps, s)
	}
	slices.SortFunc(steps, func(a, b *stepEntries) int { return a.step - b.step })
	return listing{steps: steps, dirents: dirents}
}
