package run

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// etaPoints is how many recent evaluations the trend is drawn through.
const etaPoints = 4

// TargetsETA estimates when a running run reaches its targets: each unmet
// metric's recent trend (a straight line through its last evaluations)
// gives the steps still needed, and the current job's pace turns steps
// into time. No estimate when a trend points the wrong way or the pace is
// unknown: a guess would mislead more than help.
func TargetsETA(st RunState, t trainer.Targets, now time.Time) (time.Duration, bool) {
	j := st.Job
	if st.Phase != PhaseRunning || j == nil || j.Start.IsZero() || j.ResumeStep == UnknownStep {
		return 0, false
	}
	from := max(j.ResumeStep, 0)
	elapsed := now.Sub(j.Start)
	if st.NewestStep <= from || elapsed <= 0 {
		return 0, false
	}
	perStep := elapsed / time.Duration(st.NewestStep-from)
	valSteps, valOK := stepsToTarget(st.ValBPB, t.ValBPB, true)
	coreSteps, coreOK := stepsToTarget(st.Core, t.CoreMetric, false)
	steps := max(valSteps, coreSteps)
	if !valOK || !coreOK || steps == 0 {
		return 0, false
	}
	return time.Duration(steps) * perStep, true
}

// stepsToTarget extrapolates the last evaluations linearly to the target;
// none is needed for a target that is not set.
func stepsToTarget(points []trainer.Point, t *float64, lower bool) (float64, bool) {
	if t == nil {
		return 0, true
	}
	if len(points) < 2 {
		return 0, false
	}
	target := *t
	p := points[max(0, len(points)-etaPoints):]
	last := p[len(p)-1]
	if (lower && last.Value <= target) || (!lower && last.Value >= target) {
		return 0, true
	}
	var sx, sy, sxx, sxy float64
	for _, q := range p {
		x, y := float64(q.Step), q.Value
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(p))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	slope := (n*sxy - sx*sy) / den
	if (lower && slope >= 0) || (!lower && slope <= 0) {
		return 0, false
	}
	return (target - last.Value) / slope, true
}
