package plot

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

const plotTitle = "val_bpb and CORE by step"

// SVG writes the plot of d to w as a standalone SVG document. Its only
// error is w's.
func SVG(w io.Writer, d Data) error {
	var s svgBuffer
	val, core := finite(d.ValBPB), finite(d.Core)
	if len(val) == 0 && len(core) == 0 {
		msg := "no evaluations yet"
		if n := len(d.Jobs); n > 0 {
			msg += fmt.Sprintf(" (%d job%s so far)", n, plural(n))
		}
		drawEmpty(&s, title(d.Run, plotTitle), msg)
	} else {
		drawPlot(&s, d, val, core)
	}
	_, err := w.Write(s.b.Bytes())
	return err
}

func title(run, what string) string {
	if run == "" {
		return what
	}
	return run + ": " + what
}

func openDocument(s *svgBuffer, title, subtitle string, height int) {
	h := strconv.Itoa(height)
	s.open("svg", "xmlns", "http://www.w3.org/2000/svg", "version", "1.1",
		"width", strconv.Itoa(width), "height", h, "viewBox", "0 0 "+strconv.Itoa(width)+" "+h,
		"font-family", fontFamily, "font-size", "12", "fill", colourText)
	s.text("title", title)
	s.empty("rect", "width", strconv.Itoa(width), "height", h, "fill", "#ffffff")
	s.text("text", title, "x", strconv.Itoa(marginLeft), "y", strconv.Itoa(titleY),
		"font-size", "18", "font-weight", "bold")
	if subtitle != "" {
		s.text("text", subtitle, "class", "subtitle", "x", strconv.Itoa(marginLeft),
			"y", strconv.Itoa(subtitleY), "fill", colourMuted)
	}
}

// drawEmpty is the image of a run with nothing to plot: still a valid
// SVG, so that scripts and browsers showing it need no special case.
func drawEmpty(s *svgBuffer, title, msg string) {
	openDocument(s, title, "", 240)
	s.text("text", msg, "class", "empty", "x", strconv.Itoa(width/2), "y", "130",
		"text-anchor", "middle", "font-size", "16", "fill", colourMuted)
	s.close("svg")
}

// plotArea draws the rectangle of a plot area with its extra attrs.
func plotArea(s *svgBuffer, x axis, top, bottom float64, attrs ...string) {
	s.empty("rect", append([]string{"x", px(x.from), "y", px(top), "width", px(x.to - x.from), "height", px(bottom - top)}, attrs...)...)
}

func drawGrid(s *svgBuffer, x, y axis, top, bottom float64) {
	s.open("g", "class", "grid", "stroke", colourGrid, "stroke-width", "1")
	for _, t := range y.ticks {
		yy := px(y.pos(t))
		s.empty("line", "x1", px(x.from), "x2", px(x.to), "y1", yy, "y2", yy)
	}
	for _, t := range x.ticks {
		xx := px(x.pos(t))
		s.empty("line", "x1", xx, "x2", xx, "y1", px(top), "y2", px(bottom))
	}
	s.close("g")
}

// drawYTicks writes y's tick labels left of x in a group the caller
// closes.
func drawYTicks(s *svgBuffer, x, y axis) {
	s.open("g", "class", "y-axis", "text-anchor", "end", "fill", colourMuted)
	for _, t := range y.ticks {
		s.text("text", y.label(t), "x", px(x.from-6), "y", px(y.pos(t)+4))
	}
}

func drawPlot(s *svgBuffer, d Data, val, core []trainer.Point) {
	x := stepAxis(d.Jobs, val, core)
	height := imageHeight(len(d.Jobs))
	panels := []*panel{
		newPanel("val_bpb", "val_bpb (lower is better)", colourValBPB, val, d.TargetValBPB, "≤", topPanelTop),
		newPanel("core", "CORE (higher is better)", colourCore, core, d.TargetCore, "≥", topPanelTop+panelHeight+panelGap),
	}
	openDocument(s, title(d.Run, plotTitle), subtitle(d, val, core), height)
	for _, p := range panels {
		p.draw(s, x, d.Jobs)
	}
	bottom := panels[len(panels)-1].bottom
	drawXLabels(s, x, bottom, "step")
	drawResubmissionLabels(s, x, d.Jobs, panels[0])
	drawLegend(s, d.Jobs)
	s.close("svg")
}

// stepAxis spans every evaluation and every job's steps; there is at
// least one evaluation.
func stepAxis(jobs []Job, series ...[]trainer.Point) axis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, ps := range series {
		for _, p := range ps {
			lo, hi = min(lo, float64(p.Step)), max(hi, float64(p.Step))
		}
	}
	for _, j := range jobs {
		from, to := j.span()
		lo, hi = min(lo, float64(from)), max(hi, float64(to))
	}
	a := tightAxis(lo, hi, 9, true)
	a.from, a.to = marginLeft, width-marginRight
	return a
}

func drawXLabels(s *svgBuffer, x axis, bottom float64, title string) {
	s.open("g", "class", "x-axis", "text-anchor", "middle", "fill", colourMuted)
	for _, t := range x.ticks {
		s.text("text", x.label(t), "x", px(x.pos(t)), "y", px(bottom+xLabelOffset))
	}
	s.text("text", title, "x", px((x.from+x.to)/2), "y", px(bottom+xTitleOffset), "fill", colourText)
	s.close("g")
}

// subtitle says in one line what a glance at the curves would: the steps
// covered, how many jobs, the latest values against the targets.
func subtitle(d Data, val, core []trainer.Point) string {
	return fmt.Sprintf("%d job%s · %s · %s", len(d.Jobs), plural(len(d.Jobs)),
		latest("val_bpb", val, d.TargetValBPB, "≤"), latest("CORE", core, d.TargetCore, "≥"))
}

func latest(name string, ps []trainer.Point, target *float64, cmp string) string {
	if len(ps) == 0 {
		return name + " not evaluated yet"
	}
	p := ps[len(ps)-1]
	out := fmt.Sprintf("%s %s at step %d", name, formatValue(p.Value), p.Step)
	if target != nil {
		verdict := "not met"
		if (cmp == "≤" && p.Value <= *target) || (cmp == "≥" && p.Value >= *target) {
			verdict = "met"
		}
		out += fmt.Sprintf(" (target %s %s %s)", cmp, formatValue(*target), verdict)
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
