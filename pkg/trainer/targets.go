package trainer

import (
	"fmt"
	"math"
)

// Targets end a run: it is done when every target that is set is met by
// the latest evaluation of its metric.
type Targets struct {
	ValBPB     *float64 `json:"val_bpb,omitempty"`     // met when the latest val_bpb <= ValBPB (lower is better)
	CoreMetric *float64 `json:"core_metric,omitempty"` // met when the latest CORE metric >= CoreMetric (higher is better)
}

// Metrics holds the latest known evaluation of each metric; nil when the
// metric has not been evaluated yet.
type Metrics struct {
	ValBPB *Point
	Core   *Point
}

// Reached reports whether m meets every target that is set. With no target
// set it is false: a run without targets never ends by itself. A NaN
// metric (a diverged run) never meets a target.
func (t Targets) Reached(m Metrics) bool {
	return len(t.Missing(m)) == 0
}

// Missing describes, for a human, every target m does not meet yet, e.g.
// "val_bpb 0.81 > target 0.75" or "no CORE evaluation yet". It is empty
// exactly when Reached(m) is true.
func (t Targets) Missing(m Metrics) []string {
	if t.ValBPB == nil && t.CoreMetric == nil {
		return []string{"no targets set"}
	}
	var missing []string
	// NaN compares false with everything, so it never meets a target.
	if t.ValBPB != nil && (m.ValBPB == nil || !(m.ValBPB.Value <= *t.ValBPB)) {
		missing = append(missing, unmet("val_bpb", m.ValBPB, *t.ValBPB, ">"))
	}
	if t.CoreMetric != nil && (m.Core == nil || !(m.Core.Value >= *t.CoreMetric)) {
		missing = append(missing, unmet("CORE", m.Core, *t.CoreMetric, "<"))
	}
	return missing
}

// unmet says why p does not meet target.
func unmet(name string, p *Point, target float64, worse string) string {
	switch {
	case p == nil:
		return fmt.Sprintf("no %s evaluation yet", name)
	case math.IsNaN(p.Value):
		return fmt.Sprintf("%s is NaN at step %d", name, p.Step)
	default:
		return fmt.Sprintf("%s %v %s target %v", name, p.Value, worse, target)
	}
}

// MetricsAtOrBefore returns the latest evaluations at steps <= maxStep.
// The supervisor counts an evaluation only once a complete checkpoint at or
// after its step exists: a target "reached" by a job that died before
// saving would be lost on resume.
func MetricsAtOrBefore(valbpb, core []Point, maxStep int) Metrics {
	return Metrics{ValBPB: latestAtOrBefore(valbpb, maxStep), Core: latestAtOrBefore(core, maxStep)}
}

// latestAtOrBefore returns a copy of the point with the highest step at or
// before maxStep; among points at the same step the later entry wins (a
// re-evaluation after a resume). It returns nil when there is none.
func latestAtOrBefore(points []Point, maxStep int) *Point {
	var best *Point
	for _, p := range points {
		if p.Step <= maxStep && (best == nil || p.Step >= best.Step) {
			best = &p
		}
	}
	return best
}
