package ckpt

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
)

// listedFile is one listed checkpoint file. Its name is not kept: ParseName
// accepts only the canonical spelling, so the step, kind and rank spell it.
type listedFile struct {
	listed  bool
	symlink bool  // resolved when the step is checked
	dirent  int32 // index into listing.dirents
}

// stepEntries are the directory entries that belong to one step, found
// from names alone (no stat, no open).
type stepEntries struct {
	step  int
	model listedFile
	meta  listedFile
	optim []rankEntry // ascending by rank
}

type rankEntry struct {
	rank  int
	entry listedFile
}

// shards returns the number of ranks the step's shard names imply: the
// highest rank plus one, or 0 without shards.
func (s *stepEntries) shards() int {
	if len(s.optim) == 0 {
		return 0
	}
	return s.optim[len(s.optim)-1].rank + 1
}

// listing is one read of a checkpoint directory.
type listing struct {
	steps   []*stepEntries // ascending by step
	dirents []fs.DirEntry  // what ReadDir returned, in its order
}

// listSteps reads the directory once and groups checkpoint files by step.
func listSteps(fsys fs.FS) (listing, error) {
	d, err := fsys.Open(".")
	if err != nil {
		return listing{}, fmt.Errorf("read checkpoint directory: %w", err)
	}
	defer d.Close()
	// Unsorted: fs.ReadDir sorts, which costs a third of the listing for
	// 20,000 files, and steps are sorted afterwards anyway.
	var entries []fs.DirEntry
	if rd, ok := d.(fs.ReadDirFile); ok {
		entries, err = rd.ReadDir(-1)
	} else {
		entries, err = fs.ReadDir(fsys, ".")
	}
	if err != nil {
		return listing{}, fmt.Errorf("read checkpoint directory: %w", err)
	}
	return groupSteps(entries), nil
}

// groupSteps groups the entries by step, in any order. Directories,
// irregular files and names that are not exactly nanochat's are ignored,
// so temporary and partial files never count; symlinks are kept and
// resolved when the step is checked.
func groupSteps(entries []fs.DirEntry) listing {
	byStep := map[int]*stepEntries{}
	for i, e := range entries {
		n, ok := ParseName(e.Name())
		typ := e.Type()
		if !ok || typ.IsDir() || (!typ.IsRegular() && typ&fs.ModeSymlink == 0) {
			continue
		}
		s := byStep[n.Step]
		if s == nil {
			s = &stepEntries{step: n.Step}
			byStep[n.Step] = s
		}
		f := listedFile{listed: true, symlink: typ&fs.ModeSymlink != 0, dirent: int32(i)}
		switch n.Kind {
		case KindModel:
			s.model = f
		case KindMeta:
			s.meta = f
		case KindOptim:
			s.optim = append(s.optim, rankEntry{rank: n.Rank, entry: f})
		}
	}
	steps := slices.Collect(maps.Values(byStep))
	for _, s := range steps {
		slices.SortFunc(s.optim, func(a, b rankEntry) int { return a.rank - b.rank })
	}
	slices.SortFunc(steps, func(a, b *stepEntries) int { return a.step - b.step })
	return listing{steps: steps, dirents: entries}
}

// inferRanks returns the rank count the files imply: the most shards any
// step with both model and meta has, and at least 1, because nanochat always
// writes the shard of rank 0.
func (l listing) inferRanks() int {
	ranks := 1
	for _, s := range l.steps {
		if s.model.listed && s.meta.listed {
			ranks = max(ranks, s.shards())
		}
	}
	return ranks
}
