package plot

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

// d20Timeline is a d20 campaign: a TIMEOUT that trained 300 steps past
// its last save, a crash that lost nothing, and a job still running with
// 150 steps not saved yet, after 40 minutes in the queue.
func d20Timeline() Timeline {
	t0 := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	h := func(x float64) time.Time { return t0.Add(time.Duration(x * float64(time.Hour))) }
	return Timeline{
		Run: "d20",
		Now: h(30),
		Jobs: []TimelineJob{
			{ID: "4901", Submit: h(0), Start: h(0.1), End: h(24.1), From: 0, Banked: 9000, Trained: 9300, Outcome: "timeout"},
			{ID: "4907", Submit: h(24.1), Start: h(24.2), End: h(25), From: 9000, Banked: 9400, Trained: 9400, Outcome: "app_failure"},
			{ID: "4912", Submit: h(25), Start: h(25.7), From: 9400, Banked: 11000, Trained: 11150, Outcome: "running"},
			{ID: "4913", Submit: h(29), From: 11000, Outcome: "pending"},
		},
	}
}

func renderTimeline(t *testing.T, tl Timeline) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := TimelineSVG(&b, tl); err != nil {
		t.Fatalf("TimelineSVG: %v", err)
	}
	return b.Bytes()
}

func TestTimelineStructure(t *testing.T) {
	tl := d20Timeline()
	els := parseSVG(t, renderTimeline(t, tl))

	// Job 4913 never started: three jobs are drawn.
	if got := len(byClass(els, "g", "job")); got != 3 {
		t.Fatalf("jobs drawn: got %d, want 3 (the pending one is not)", got)
	}
	// Only the TIMEOUT lost steps: one pale band and one red line.
	lost := byClass(els, "rect", "lost")
	if len(lost) != 1 || len(byClass(els, "line", "lost")) != 1 {
		t.Fatalf("lost marks: %d rects, %d lines; want one of each", len(lost), len(byClass(els, "line", "lost")))
	}
	// The lost band starts where job 4901 trained step 9000 at a steady
	// pace (9000/9300 of its run) and ends at its end.
	x := func(e element, k string) float64 {
		v, err := strconv.ParseFloat(e.attrs[k], 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", k, e.attrs[k], err)
		}
		return v
	}
	banked := byClass(els, "line", "banked")
	if len(banked) != 3 {
		t.Fatalf("banked lines: got %d, want 3", len(banked))
	}
	start, end := x(banked[0], "x1"), x(lost[0], "x")+x(lost[0], "width")
	frac := (x(lost[0], "x") - start) / (end - start)
	if want := 9000.0 / 9300; frac < want-0.01 || frac > want+0.01 {
		t.Errorf("lost band starts at %.3f of the job's run, want %.3f", frac, want)
	}
	// The running job's unsaved steps are drawn apart, not as lost.
	if got := len(byClass(els, "line", "unsaved")); got != 1 {
		t.Errorf("unsaved lines: got %d, want 1 (the running job)", got)
	}
	// Queue waits are dotted lines before each job's start.
	if got := len(byClass(els, "line", "queued")); got != 3 {
		t.Errorf("queued lines: got %d, want 3", got)
	}
	doc := string(renderTimeline(t, tl))
	for _, want := range []string{
		"d20: steps by wall-clock time",
		"3 jobs · 300 steps trained and lost, in 1 job (red)",
		"hours since 2026-12-01 20:00 UTC",
		">4901 timeout<",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("image lacks %q", want)
		}
	}
}

// A campaign of minutes is labelled in seconds or minutes, not in
// thousandths of an hour.
func TestTimelineUnit(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		span time.Duration
		want string
	}{{90 * time.Second, "seconds since"}, {50 * time.Minute, "minutes since"}, {5 * time.Hour, "hours since"}} {
		tl := Timeline{Now: t0.Add(tt.span), Jobs: []TimelineJob{{ID: "1", Submit: t0, Start: t0, End: t0.Add(tt.span), Banked: 10, Trained: 10}}}
		if doc := string(renderTimeline(t, tl)); !strings.Contains(doc, tt.want) {
			t.Errorf("span %v: axis title lacks %q", tt.span, tt.want)
		}
	}
}

// A run with no started job still gets a valid image that says so; job
// ids from anywhere cannot break the document.
func TestTimelineEmptyAndHostile(t *testing.T) {
	els := parseSVG(t, renderTimeline(t, Timeline{Run: "d20", Jobs: []TimelineJob{{ID: "1", Submit: time.Now()}}}))
	if len(byClass(els, "text", "empty")) != 1 {
		t.Error("no 'no job has started yet' message")
	}
	t0 := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	tl := Timeline{Run: "<d20&>", Now: t0.Add(time.Hour), Jobs: []TimelineJob{
		{ID: "</svg><script>", Start: t0, End: t0.Add(time.Hour), Banked: 5, Trained: 9, Outcome: "x\"y"},
	}}
	parseSVG(t, renderTimeline(t, tl)) // fails the test on malformed XML
}
