package plot

import (
	"fmt"
	"strconv"
	"strings"
)

// minLabelGap is the horizontal room a rotated label needs. Resubmissions
// closer together than this (a crash loop at one step) share one label.
const minLabelGap = 14

// maxLabelRunes keeps a label within the two panels it runs down.
const maxLabelRunes = 60

// drawResubmissionLabels writes, along the resubmission lines, the new
// job and why the previous one ended.
func drawResubmissionLabels(s *svgBuffer, x axis, jobs []Job, top *panel) {
	s.open("g", "class", "resubmission-labels", "font-size", "11", "text-anchor", "end", "fill", colourResub,
		"stroke", "#ffffff", "stroke-width", "3", "paint-order", "stroke")
	for _, group := range resubmissionGroups(x, jobs) {
		last := group[len(group)-1]
		xx := x.pos(float64(jobs[last].From))
		// Rotated a quarter turn left, the text reads upwards and ends
		// just under the top edge, left of its line.
		s.text("text", groupLabel(jobs, group), "class", "resubmission-label", "x", "0", "y", "0",
			"transform", "translate("+px(xx-4)+","+px(top.top+6)+") rotate(-90)")
	}
	s.close("g")
}

// resubmissionGroups returns the indexes of the resubmitted jobs, grouped
// when their lines are too close to label apart.
func resubmissionGroups(x axis, jobs []Job) [][]int {
	var groups [][]int
	groupX := 0.0
	for i, j := range jobs {
		if !isResubmission(i, j) {
			continue
		}
		xx := x.pos(float64(j.From))
		if len(groups) > 0 && xx-groupX < minLabelGap {
			groups[len(groups)-1] = append(groups[len(groups)-1], i)
			continue
		}
		groups = append(groups, []int{i})
		groupX = xx
	}
	return groups
}

// groupLabel names the newest job of the group in full and the others by
// id: "job 4907 #1 after timeout", "jobs 4912, 4930 #3 after app_failure".
func groupLabel(jobs []Job, group []int) string {
	last := group[len(group)-1]
	var out string
	switch earlier := group[:len(group)-1]; {
	case len(earlier) == 0:
		out = "job " + jobName(jobs[last])
	case len(earlier) <= 2:
		var ids []string
		for _, i := range earlier {
			ids = append(ids, jobs[i].ID)
		}
		out = "jobs " + strings.Join(ids, ", ") + ", " + jobName(jobs[last])
	default:
		out = strconv.Itoa(len(group)) + " jobs here, last " + jobName(jobs[last])
	}
	if last > 0 && jobs[last-1].Outcome != "" {
		out += " after " + jobs[last-1].Outcome
	}
	if r := []rune(out); len(r) > maxLabelRunes {
		out = string(r[:maxLabelRunes-1]) + "…"
	}
	return out
}

// jobName is "12345 #3", or "12345 (adopted)" for a job the daemon did
// not submit.
func jobName(j Job) string {
	if j.Attempt > 0 {
		return j.ID + " #" + strconv.Itoa(j.Attempt)
	}
	return j.ID + " (adopted)"
}

// drawLegend lists the newest jobs with their colour, steps and outcome.
func drawLegend(s *svgBuffer, jobs []Job) {
	if len(jobs) == 0 {
		return
	}
	first := max(0, len(jobs)-maxLegend)
	colWidth := float64(width-marginLeft-marginRight) / legendCols
	s.open("g", "class", "legend", "font-size", "11")
	slot := 0
	if first > 0 {
		s.text("text", fmt.Sprintf("%d earlier job%s not listed", first, plural(first)),
			"x", px(marginLeft), "y", px(legendTop+9), "fill", colourMuted)
		slot++
	}
	for i := first; i < len(jobs); i++ {
		j := jobs[i]
		xx := marginLeft + float64(slot%legendCols)*colWidth
		yy := float64(legendTop + (slot/legendCols)*legendRow)
		s.empty("rect", "x", px(xx), "y", px(yy), "width", "14", "height", "11", "fill", bandColour(i),
			"stroke", colourBorder, "stroke-width", "0.5")
		s.text("text", legendEntry(j), "x", px(xx+20), "y", px(yy+9))
		slot++
	}
	s.close("g")
}

func legendEntry(j Job) string {
	from, to := j.span()
	out := fmt.Sprintf("job %s · steps %d–%d", jobName(j), from, to)
	if j.Outcome != "" {
		out += " · " + j.Outcome
	}
	return out
}
