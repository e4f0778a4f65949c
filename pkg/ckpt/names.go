package ckpt

import (
	"fmt"
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

// maxStepDigits keeps step numbers far from int overflow.
const maxStepDigits = 12

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
	var n Name
	var rest string
	switch {
	case strings.HasPrefix(name, "model_") && strings.HasSuffix(name, ".pt"):
		n = Name{Kind: KindModel, Rank: -1}
		rest = name[len("model_") : len(name)-len(".pt")]
	case strings.HasPrefix(name, "meta_") && strings.HasSuffix(name, ".json"):
		n = Name{Kind: KindMeta, Rank: -1}
		rest = name[len("meta_") : len(name)-len(".json")]
	case strings.HasPrefix(name, "optim_") && strings.HasSuffix(name, ".pt"):
		n = Name{Kind: KindOptim}
		digits, rank, ok := strings.Cut(name[len("optim_"):len(name)-len(".pt")], "_rank")
		if !ok {
			return Name{}, false
		}
		r, ok := parseCanonical(rank, 1)
		if !ok || r >= MaxRank {
			return Name{}, false
		}
		n.Rank = r
		rest = digits
	default:
		return Name{}, false
	}
	step, ok := parseCanonical(rest, 6)
	if !ok {
		return Name{}, false
	}
	n.Step = step
	return n, true
}

// parseCanonical parses a decimal number of at least minDigits digits that
// is spelled exactly as zero-padding to minDigits would spell it.
func parseCanonical(s string, minDigits int) (int, bool) {
	if len(s) < minDigits || len(s) > maxStepDigits {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	// Wider than minDigits only when the number needs it: no extra zeros.
	if len(s) > minDigits && s[0] == '0' {
		return 0, false
	}
	return v, true
}
