package plot

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// panel is one metric's plot area.
type panel struct {
	name, axisTitle, colour string
	points                  []trainer.Point // finite, by step
	target                  *float64
	cmp                     string // how the target is met: "≤" or "≥"
	top, bottom             float64
	y                       axis
}

func newPanel(name, axisTitle, colour string, points []trainer.Point, target *float64, cmp string, top float64) *panel {
	p := &panel{name: name, axisTitle: axisTitle, colour: colour, points: points, target: target, cmp: cmp,
		top: top, bottom: top + panelHeight}
	lo, hi, ok := valueRange(points, target)
	if !ok {
		lo, hi = 0, 1
	}
	pad := (hi - lo) * 0.04
	p.y = niceAxis(lo-pad, hi+pad, 5, false)
	p.y.from, p.y.to = p.bottom, p.top
	return p
}

// valueRange is the span the panel's scale must show: the target and the
// values, except far outliers. The first evaluation of a run (step 0,
// random weights) is often several times the rest; scaling to it would
// flatten the part of the curve that decides the run, so values beyond
// Tukey's outer fences (3 interquartile ranges) are drawn clipped at the
// panel's edge instead.
func valueRange(points []trainer.Point, target *float64) (lo, hi float64, ok bool) {
	keepLo, keepHi := math.Inf(-1), math.Inf(1)
	if len(points) >= 8 {
		vs := make([]float64, len(points))
		for i, p := range points {
			vs[i] = p.Value
		}
		slices.Sort(vs)
		q1, q3 := vs[len(vs)/4], vs[(3*len(vs))/4]
		if iqr := q3 - q1; iqr > 0 {
			keepLo, keepHi = q1-3*iqr, q3+3*iqr
		}
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range points {
		if p.Value >= keepLo && p.Value <= keepHi {
			lo, hi = min(lo, p.Value), max(hi, p.Value)
		}
	}
	if target != nil && isFinite(*target) {
		lo, hi = min(lo, *target), max(hi, *target)
	}
	return lo, hi, lo <= hi
}

func (p *panel) draw(s *svgBuffer, x axis, jobs []Job) {
	s.open("g", "class", "panel "+p.name)
	clip := "clip-" + p.name
	s.open("clipPath", "id", clip)
	plotArea(s, x, p.top, p.bottom)
	s.close("clipPath")
	plotArea(s, x, p.top, p.bottom, "fill", "#ffffff")
	p.drawBands(s, x, jobs)
	drawGrid(s, x, p.y, p.top, p.bottom)
	p.drawResubmissions(s, x, jobs)
	p.drawTarget(s, x)
	p.drawSeries(s, x, clip)
	plotArea(s, x, p.top, p.bottom, "fill", "none", "stroke", colourBorder)
	drawYTicks(s, x, p.y)
	s.close("g")
	mid := px((p.top + p.bottom) / 2)
	s.text("text", p.axisTitle, "class", "axis-title", "x", "0", "y", "0", "text-anchor", "middle",
		"transform", "translate(22,"+mid+") rotate(-90)", "fill", p.colour, "font-weight", "bold")
	s.close("g")
}

func (p *panel) drawBands(s *svgBuffer, x axis, jobs []Job) {
	s.open("g", "class", "bands")
	for i, j := range jobs {
		from, to := j.span()
		x0, x1 := x.pos(float64(from)), x.pos(float64(to))
		s.empty("rect", "class", "band", "x", px(x0), "y", px(p.top), "width", px(x1-x0), "height", px(p.bottom-p.top),
			"fill", bandColour(i))
	}
	s.close("g")
}

// drawResubmissions draws a line where each job submitted by the daemon,
// or following another, began; the labels are drawn once, in the top
// panel, by drawResubmissionLabels.
func (p *panel) drawResubmissions(s *svgBuffer, x axis, jobs []Job) {
	s.open("g", "class", "resubmissions", "stroke", colourResub, "stroke-width", "1.2")
	for i, j := range jobs {
		if !isResubmission(i, j) {
			continue
		}
		xx := px(x.pos(float64(j.From)))
		s.empty("line", "x1", xx, "x2", xx, "y1", px(p.top), "y2", px(p.bottom))
	}
	s.close("g")
}

func isResubmission(i int, j Job) bool { return i > 0 || j.Attempt > 0 }

func (p *panel) drawTarget(s *svgBuffer, x axis) {
	if p.target == nil || !isFinite(*p.target) {
		return
	}
	y := p.y.pos(*p.target)
	s.empty("line", "class", "target", "x1", px(x.from), "x2", px(x.to), "y1", px(y), "y2", px(y),
		"stroke", p.colour, "stroke-width", "1.5", "stroke-dasharray", "7 4")
	labelY := y - 5
	if labelY-p.top < 12 {
		labelY = y + 14
	}
	s.text("text", "target "+p.cmp+" "+formatValue(*p.target), "class", "target-label", "x", px(x.to-6), "y", px(labelY),
		"text-anchor", "end", "fill", p.colour, "font-weight", "bold", "stroke", "#ffffff", "stroke-width", "3",
		"paint-order", "stroke")
}

func (p *panel) drawSeries(s *svgBuffer, x axis, clip string) {
	if len(p.points) == 0 {
		s.text("text", "no "+strings.Fields(p.axisTitle)[0]+" evaluations yet", "class", "empty",
			"x", px((x.from+x.to)/2), "y", px((p.top+p.bottom)/2), "text-anchor", "middle", "fill", colourMuted)
		return
	}
	s.open("g", "clip-path", "url(#"+clip+")")
	var pts strings.Builder
	for i, pt := range p.points {
		if i > 0 {
			pts.WriteByte(' ')
		}
		pts.WriteString(px(x.pos(float64(pt.Step))) + "," + px(p.y.pos(pt.Value)))
	}
	s.empty("polyline", "class", "series "+p.name, "points", pts.String(), "fill", "none",
		"stroke", p.colour, "stroke-width", "2", "stroke-linejoin", "round")
	// Few points need bigger markers: a lone evaluation is otherwise a
	// speck.
	r := "2.5"
	if len(p.points) <= 20 {
		r = "3.5"
	}
	s.open("g", "class", "markers", "fill", p.colour)
	for _, pt := range p.points {
		s.empty("circle", "cx", px(x.pos(float64(pt.Step))), "cy", px(p.y.pos(pt.Value)), "r", r)
	}
	s.close("g")
	s.close("g")
	p.drawClipped(s, x)
}

// drawClipped marks the values outside the scale with a small arrow at
// the panel's edge and says how far out they are.
func (p *panel) drawClipped(s *svgBuffer, x axis) {
	for _, side := range []struct {
		out      func(v float64) bool
		edge, dy float64
		arrow    string
		word     string
	}{
		{func(v float64) bool { return v > p.y.hi }, p.top, 11, "▲", "above"},
		{func(v float64) bool { return v < p.y.lo }, p.bottom, -3, "▼", "below"},
	} {
		var pts []trainer.Point
		for _, pt := range p.points {
			if side.out(pt.Value) {
				pts = append(pts, pt)
				s.text("text", side.arrow, "class", "clipped", "x", px(x.pos(float64(pt.Step))), "y", px(side.edge+side.dy),
					"text-anchor", "middle", "font-size", "10", "fill", p.colour)
			}
		}
		if len(pts) == 0 {
			continue
		}
		// The note goes on the right, where a curve that starts far out
		// has long since come back into range.
		s.text("text", clippedNote(pts, side.word), "class", "clipped-note", "x", px(x.to-6), "y", px(side.edge+side.dy),
			"text-anchor", "end", "font-size", "10", "fill", p.colour)
	}
}

func clippedNote(pts []trainer.Point, word string) string {
	first := pts[0]
	if len(pts) == 1 {
		return fmt.Sprintf("%s at step %d is %s the scale", formatValue(first.Value), first.Step, word)
	}
	return fmt.Sprintf("%d values %s the scale (first %s at step %d)", len(pts), word, formatValue(first.Value), first.Step)
}
