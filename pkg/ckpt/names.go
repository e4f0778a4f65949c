package ckpt

import (
	"fmt"
	"strconv"
	"strings"
)

// Kinds of checkpoint files, as stored in File.Kind.
const (
	KindModel = "model"
	KindMeta  = "meta"
	KindOptim = "optim"
)

// MaxRank bounds the rank number accepted in an optimizer shard name. A
// stray file such as optim_000100_rank99999999.pt would otherwise make rank
// inference expect a hundred million shards per step.
const MaxRank = 1 << 14

// maxStep is the largest step a file name can spell: 12 digits keep step
// numbers far from int overflow.
const maxStep = 999_999_999_999

// Name is what a checkpoint file name says about the file.
type Name struct {
	Kind string
	Step int
	Rank int // the shard's rank for KindOptim, -1 otherwise
}

// ModelName returns nanochat's file name for the model weights of step.
func ModelName(step int) string { return fmt.Sprintf("model_%06d.pt", step) }

// MetaName returns nanochat's file name for the metadata of step.
func MetaName(step int) string { return fmt.Sprintf("meta_%06d.json", step) }

// OptimName returns nanochat's file name for the optimizer shard of rank at step.
func OptimName(step, rank int) string { return fmt.Sprintf("optim_%06d_rank%d.pt", step, rank) }

// String returns the file name that n describes.
func (n Name) String() string {
	switch n.Kind {
	case KindModel:
		return ModelName(n.Step)
	case KindMeta:
		return MetaName(n.Step)
	case KindOptim:
		return OptimName(n.Step, n.Rank)
	}
	return ""
}

// ParseName reports what a checkpoint file name says. It accepts only the
// exact spelling nanochat writes (model_%06d.pt, meta_%06d.json,
// optim_%06d_rank%d.pt), so "model_000100.pt.tmp", "model_100.pt",
// "model_0000100.pt" and editor or NFS leftovers are not checkpoint files,
// and no two names can claim the same file of the same step.
func ParseName(name string) (Name, bool) {
	n := Name{Rank: -1}
	var step, rank string
	if s, ok := strings.CutPrefix(name, "model_"); ok {
		n.Kind, step = KindModel, strings.TrimSuffix(s, ".pt")
	} else if s, ok := strings.CutPrefix(name, "meta_"); ok {
		n.Kind, step = KindMeta, strings.TrimSuffix(s, ".json")
	} else if s, ok := strings.CutPrefix(name, "optim_"); ok {
		n.Kind = KindOptim
		step, rank, _ = strings.Cut(strings.TrimSuffix(s, ".pt"), "_rank")
	}
	var err1, err2 error
	n.Step, err1 = strconv.Atoi(step)
	if n.Kind == KindOptim {
		n.Rank, err2 = strconv.Atoi(rank)
	}
	// Spelling the parsed name again rejects every other spelling: signs,
	// extra zeros, a missing or different suffix.
	if err1 != nil || err2 != nil || n.Step < 0 || n.Step > maxStep || n.Rank >= MaxRank ||
		(n.Kind == KindOptim && n.Rank < 0) || n.String() != name {
		return Name{}, false
	}
	return n, true
}
