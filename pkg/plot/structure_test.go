package plot

import (
	"math"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func byClass(els []element, name, class string) []element {
	var out []element
	for _, e := range els {
		if e.name == name && hasClass(e, class) {
			out = append(out, e)
		}
	}
	return out
}

func hasClass(e element, class string) bool {
	for _, c := range strings.Fields(e.attrs["class"]) {
		if c == class {
			return true
		}
	}
	return false
}

func countFinite(ps []trainer.Point) int {
	n := 0
	for _, p := range ps {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			n++
		}
	}
	return n
}

// TestSVGStructure checks what the image must show, independently of the
// exact layout the golden files pin down.
func TestSVGStructure(t *testing.T) {
	d := d20()
	d.ValBPB = append(d.ValBPB, trainer.Point{Step: 777, Value: math.Inf(1)}, trainer.Point{Step: 778, Value: math.NaN()})
	els := parseSVG(t, render(t, d))

	for _, s := range []struct {
		class  string
		points []trainer.Point
	}{{"val_bpb", d.ValBPB}, {"core", d.Core}} {
		lines := byClass(els, "polyline", s.class)
		if len(lines) != 1 {
			t.Fatalf("%s polylines: got %d, want 1", s.class, len(lines))
		}
		got, want := len(strings.Fields(lines[0].attrs["points"])), countFinite(s.points)
		if got != want {
			t.Errorf("%s polyline points: got %d, want %d (the finite values)", s.class, got, want)
		}
	}
	if got, want := len(byClass(els, "rect", "band")), 2*len(d.Jobs); got != want {
		t.Errorf("job bands: got %d, want %d (one per job in each panel)", got, want)
	}
	if got, want := len(byClass(els, "line", "target")), 2; got != want {
		t.Errorf("target lines: got %d, want %d", got, want)
	}
	for _, l := range byClass(els, "line", "target") {
		if l.attrs["stroke-dasharray"] == "" {
			t.Errorf("target line is not dashed: %v", l.attrs)
		}
	}
	var labels []string
	for _, e := range byClass(els, "text", "resubmission-label") {
		labels = append(labels, e.text)
	}
	// 4912 starts at the same step as 4930: they share a label.
	want := []string{"job 4907 #1 after timeout", "jobs 4912, 4930 #3 after app_failure", "job 5102 #4 after infra_failure"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("resubmission labels:\n got %q\nwant %q", labels, want)
	}
	if got := els[1]; got.name != "title" || got.text != "d20: val_bpb and CORE by step" {
		t.Errorf("title: got <%s>%q", got.name, got.text)
	}
	clipped := byClass(els, "text", "clipped")
	if len(clipped) != 1 {
		t.Errorf("clipped markers: got %d, want 1 (step 0 at 3.31 is far above the rest)", len(clipped))
	}
}

func TestSVGEmpty(t *testing.T) {
	for _, d := range []Data{
		{},
		{Run: "d20", ValBPB: []trainer.Point{{Step: 1, Value: math.NaN()}}, Core: []trainer.Point{{Step: 2, Value: math.Inf(-1)}}},
	} {
		els := parseSVG(t, render(t, d))
		if got := byClass(els, "text", "empty"); len(got) != 1 || got[0].text != "no evaluations yet" {
			t.Errorf("empty plot of %+v: got %v, want one text saying no evaluations yet", d, got)
		}
		if got := byClass(els, "polyline", "series"); len(got) != 0 {
			t.Errorf("empty plot has %d polylines", len(got))
		}
	}
}

// TestSVGEscapesText feeds names that would break naive markup.
func TestSVGEscapesText(t *testing.T) {
	d := d20()
	d.Run = `d20</text><script>alert(1)</script> & "x" ` + "\x00\x1b[0m"
	d.Jobs[1].ID = `<b>&`
	d.Jobs[2].Outcome = "a\"b'c"
	els := parseSVG(t, render(t, d))
	for _, e := range els {
		if e.name == "script" || e.name == "b" {
			t.Fatalf("text became an element: <%s>", e.name)
		}
	}
	if got, want := els[1].text, "d20</text><script>alert(1)</script> & \"x\" \uFFFD\uFFFD[0m: val_bpb and CORE by step"; got != want {
		t.Errorf("title:\n got %q\nwant %q", got, want)
	}
}

func TestSVGOneSeriesMissing(t *testing.T) {
	d := Data{Run: "d24", ValBPB: []trainer.Point{{Step: 500, Value: 1.02}}, TargetCore: ptr(0.25)}
	els := parseSVG(t, render(t, d))
	var empty []string
	for _, e := range byClass(els, "text", "empty") {
		empty = append(empty, e.text)
	}
	if got, want := strings.Join(empty, "|"), "no CORE evaluations yet"; got != want {
		t.Errorf("empty-panel messages: got %q, want %q", got, want)
	}
	if got := len(byClass(els, "polyline", "val_bpb")); got != 1 {
		t.Errorf("val_bpb polylines: got %d, want 1", got)
	}
}
