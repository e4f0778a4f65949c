package plot

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Timeline is a run's jobs on the wall clock: where its allocated time
// went. Each job trains from its start to its end; what it trained after
// its last complete checkpoint died with it and is drawn as lost.
type Timeline struct {
	// Run titles the image.
	Run string
	// Now ends a job that is still running.
	Now time.Time
	// Jobs are the run's jobs, oldest first.
	Jobs []TimelineJob
}

// TimelineJob is one job's time and steps.
type TimelineJob struct {
	ID string
	// Submit, Start and End are Slurm's; a zero End means the job runs
	// (drawn to Now). A job that never started is not drawn.
	Submit, Start, End time.Time
	// From is the step the job started training from; Banked the newest
	// complete checkpoint at its end (or now); Trained how far its log
	// shows it trained (below Banked: taken as Banked).
	From, Banked, Trained int
	// Outcome says why the job ended, or its state while it runs.
	Outcome string
}

// lostSteps is what the job trained after its last complete checkpoint;
// nothing while it runs.
func (j TimelineJob) lostSteps() int {
	if j.End.IsZero() {
		return 0
	}
	return max(0, j.Trained-max(j.Banked, j.From))
}

// bankedAt is when the job trained its newest complete step, at a steady
// pace from its start to its end: the lost (or, while it runs, unsaved)
// stretch starts there.
func (j TimelineJob) bankedAt(end time.Time) time.Time {
	trained := max(j.Trained, j.Banked, j.From)
	if trained == j.From {
		return end
	}
	f := float64(max(j.Banked, j.From)-j.From) / float64(trained-j.From)
	return j.Start.Add(time.Duration(f * float64(end.Sub(j.Start))))
}

const colourLost = "#c0392b"

// TimelineSVG writes the timeline of t to w as a standalone SVG document:
// steps against hours since the first job was submitted, one line per
// job, queue waits dotted, each lost stretch in red over a pale red band.
// Its only error is w's.
func TimelineSVG(w io.Writer, t Timeline) error {
	var s svgBuffer
	jobs := slices.DeleteFunc(slices.Clone(t.Jobs), func(j TimelineJob) bool { return j.Start.IsZero() })
	title := title(t.Run, "steps by wall-clock time")
	if len(jobs) == 0 {
		drawEmpty(&s, title, "no job has started yet")
		_, err := w.Write(s.b.Bytes())
		return err
	}
	end := func(j TimelineJob) time.Time {
		if j.End.IsZero() {
			return t.Now
		}
		return j.End
	}
	origin, last := jobs[0].Start, time.Time{}
	loS, hiS := math.Inf(1), math.Inf(-1)
	for _, j := range jobs {
		if !j.Submit.IsZero() && j.Submit.Before(origin) {
			origin = j.Submit
		}
		if e := end(j); e.After(last) {
			last = e
		}
		loS = min(loS, float64(j.From))
		hiS = max(hiS, float64(max(j.Trained, j.Banked, j.From)))
	}
	unit, unitName := time.Hour, "hours"
	switch span := last.Sub(origin); {
	case span < 2*time.Minute:
		unit, unitName = time.Second, "seconds"
	case span < 2*time.Hour:
		unit, unitName = time.Minute, "minutes"
	}
	hours := func(at time.Time) float64 { return float64(at.Sub(origin)) / float64(unit) }
	x := tightAxis(0, max(0, hours(last)), 9, false)
	x.from, x.to = marginLeft, width-marginRight
	top, bottom := float64(topPanelTop), float64(topPanelTop+2*panelHeight+panelGap)
	y := niceAxis(min(loS, 0), hiS, 6, true)
	y.from, y.to = bottom, top

	keyY := bottom + xTitleOffset + 24
	openDocument(&s, title, timelineSubtitle(jobs), int(keyY)+14)
	plotArea(&s, x, top, bottom, "fill", "#ffffff")
	drawGrid(&s, x, y, top, bottom)

	s.open("g", "class", "jobs")
	for i, j := range jobs {
		e := end(j)
		x0, x1 := x.pos(hours(j.Start)), x.pos(hours(e))
		from := float64(j.From)
		banked := float64(max(j.Banked, j.From))
		s.open("g", "class", "job", "data-job", j.ID)
		if !j.Submit.IsZero() && j.Submit.Before(j.Start) {
			s.empty("line", "class", "queued", "x1", px(x.pos(hours(j.Submit))), "x2", px(x0),
				"y1", px(y.pos(from)), "y2", px(y.pos(from)), "stroke", colourMuted, "stroke-dasharray", "2 3")
		}
		bx := x.pos(hours(j.bankedAt(e)))
		if j.End.IsZero() && j.Trained > max(j.Banked, j.From) {
			s.empty("line", "class", "unsaved", "x1", px(bx), "x2", px(x1),
				"y1", px(y.pos(banked)), "y2", px(y.pos(float64(j.Trained))), "stroke", colourMuted, "stroke-width", "2.5")
		}
		if lost := j.lostSteps(); lost > 0 {
			s.empty("rect", "class", "lost", "x", px(bx), "y", px(top), "width", px(max(x1-bx, 1)),
				"height", px(bottom-top), "fill", colourLost, "fill-opacity", "0.12")
			s.empty("line", "class", "lost", "x1", px(bx), "x2", px(x1),
				"y1", px(y.pos(banked)), "y2", px(y.pos(float64(j.Trained))), "stroke", colourLost, "stroke-width", "2.5")
		}
		s.empty("line", "class", "banked", "x1", px(x0), "x2", px(bx),
			"y1", px(y.pos(from)), "y2", px(y.pos(banked)), "stroke", colourValBPB, "stroke-width", "2.5")
		// Labels above the end of their job, right-aligned there, so
		// that the newest stays inside the image.
		s.text("text", jobLabel(j), "class", "job-label", "x", px(x1), "y", px(y.pos(max(banked, float64(j.Trained)))-6-float64(i%2)*12),
			"font-size", "10", "fill", colourResub, "text-anchor", "end")
		s.close("g")
	}
	s.close("g")
	plotArea(&s, x, top, bottom, "fill", "none", "stroke", colourBorder)
	drawYTicks(&s, x, y)
	s.text("text", "step", "x", "0", "y", "0", "fill", colourText, "text-anchor", "middle",
		"transform", "translate("+px(18)+","+px((top+bottom)/2)+") rotate(-90)")
	s.close("g")
	drawXLabels(&s, x, bottom, unitName+" since "+origin.UTC().Format("2006-01-02 15:04 MST"))
	drawTimelineKey(&s, keyY)
	s.close("svg")
	_, err := w.Write(s.b.Bytes())
	return err
}

func jobLabel(j TimelineJob) string {
	if j.Outcome == "" {
		return j.ID
	}
	return j.ID + " " + j.Outcome
}

// timelineSubtitle sums up what the picture shows: jobs, steps banked and
// steps lost.
func timelineSubtitle(jobs []TimelineJob) string {
	lost, lostJobs := 0, 0
	for _, j := range jobs {
		if n := j.lostSteps(); n > 0 {
			lost += n
			lostJobs++
		}
	}
	out := fmt.Sprintf("%d job%s", len(jobs), plural(len(jobs)))
	if lost == 0 {
		return out + " · no step lost"
	}
	return out + fmt.Sprintf(" · %d step%s trained and lost, in %d job%s (red)", lost, plural(lost), lostJobs, plural(lostJobs))
}

func drawTimelineKey(s *svgBuffer, y float64) {
	s.open("g", "class", "key", "font-size", "11", "fill", colourText)
	x := float64(marginLeft)
	for _, k := range []struct{ colour, dash, label string }{
		{colourValBPB, "", "trained, kept in a complete checkpoint"},
		{colourLost, "", "trained after it, lost"},
		{colourMuted, "", "not saved yet"},
		{colourMuted, "2 3", "queued"},
	} {
		attrs := []string{"x1", px(x), "x2", px(x + 22), "y1", px(y - 4), "y2", px(y - 4), "stroke", k.colour, "stroke-width", "2.5"}
		if k.dash != "" {
			attrs = append(attrs, "stroke-dasharray", k.dash)
		}
		s.empty("line", attrs...)
		s.text("text", k.label, "x", px(x+28), "y", px(y))
		x += 28 + float64(len(k.label))*5.6 + 18
	}
	s.close("g")
}
