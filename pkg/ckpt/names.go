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
	var step string
	ok := true
	switch {
	case strings.HasPrefix(name, "model_") && strings.HasSuffix(name, ".pt"):
		n.Kind, step = KindModel, name[len("model_"):len(name)-len(".pt")]
	case strings.HasPrefix(name, "meta_") && strings.HasSuffix(name, ".json"):
		n.Kind, step = KindMeta, name[len("meta_"):len(name)-len(".json")]
	case strings.HasPrefix(name, "optim_") && strings.HasSuffix(name, ".pt"):
		var rank string
		n.Kind = KindOptim
		step, rank, _ = strings.Cut(name[len("optim_"):len(name)-len(".pt")], "_rank")
		n.Rank, ok = canonical(rank, 1)
	default:
		return Name{}, false
	}
	var stepOK bool
	n.Step, stepOK = canonical(step, 6)
	if !ok || !stepOK || n.Rank >= MaxRank || n.Step > maxStep {
		return Name{}, false
	}
	return n, true
}

// canonical parses s if it is a number spelled as %0*d with the given
// width spells it: digits only, and no zeros beyond the padding.
func canonical(s string, width int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && s[0] >= '0' && s[0] <= '9' && len(s) >= width && (len(s) == width || s[0] != '0')
}
