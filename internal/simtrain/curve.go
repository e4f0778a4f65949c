package simtrain

import (
	"errors"
	"fmt"
	"math"
)

// Curve is the simulated learning curve. Every value is a pure function of
// the step, so a resumed run continues exactly the curve the first job was on
// and a test can compute the value any step will print.
type Curve struct {
	// val_bpb(step) = BPBFloor + (BPBStart-BPBFloor) * exp(-step/BPBTau)
	BPBStart, BPBFloor, BPBTau float64
	// CORE(step) = CoreCeiling - (CoreCeiling-CoreStart) * exp(-step/CoreTau)
	CoreStart, CoreCeiling, CoreTau float64
	// TauFraction sets BPBTau and CoreTau when they are 0: num_iterations *
	// TauFraction, so the curve has the same shape whatever the run length.
	TauFraction float64
}

// DefaultCurve starts and ends roughly where a nanochat d20 run does.
func DefaultCurve() Curve {
	return Curve{
		BPBStart:    1.2,
		BPBFloor:    0.70,
		CoreStart:   0,
		CoreCeiling: 0.25,
		TauFraction: 0.25,
	}
}

// Validate rejects curves that would print NaN or run backwards.
func (c Curve) Validate() error {
	var errs []error
	for name, v := range map[string]float64{
		"--bpb-start": c.BPBStart, "--bpb-floor": c.BPBFloor, "--bpb-tau": c.BPBTau,
		"--core-start": c.CoreStart, "--core-ceiling": c.CoreCeiling, "--core-tau": c.CoreTau,
	} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("%s must be finite, got %v", name, v))
		}
	}
	if c.BPBTau < 0 || c.CoreTau < 0 {
		errs = append(errs, errors.New("--bpb-tau and --core-tau must be >= 0 (0: derived from num_iterations)"))
	}
	if (c.BPBTau == 0 || c.CoreTau == 0) && !(c.TauFraction > 0) {
		errs = append(errs, errors.New("a tau of 0 needs a positive tau fraction"))
	}
	return errors.Join(errs...)
}

// resolved fills the zero taus from the run length.
func (c Curve) resolved(numIterations int) Curve {
	derived := math.Max(1, float64(numIterations)*c.TauFraction)
	if c.BPBTau == 0 {
		c.BPBTau = derived
	}
	if c.CoreTau == 0 {
		c.CoreTau = c.BPBTau
	}
	return c
}

// ValBPB is the validation bits-per-byte at step.
func (c Curve) ValBPB(step int) float64 {
	return c.BPBFloor + (c.BPBStart-c.BPBFloor)*math.Exp(-float64(step)/c.BPBTau)
}

// Core is the CORE metric at step.
func (c Curve) Core(step int) float64 {
	return c.CoreCeiling - (c.CoreCeiling-c.CoreStart)*math.Exp(-float64(step)/c.CoreTau)
}

// TrainLoss is the training loss in nats per token after step: bits per byte
// times ln 2 times roughly 4.8 bytes per token, the ratio nanochat's
// tokenizer gives on its pretraining data.
func (c Curve) TrainLoss(step int) float64 {
	return c.ValBPB(step) * math.Ln2 * 4.8
}
