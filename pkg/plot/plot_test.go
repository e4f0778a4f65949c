package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

var update = flag.Bool("update", false, "rewrite testdata/*.svg from the current output")

func ptr(v float64) *float64 { return &v }

// d20 is a plausible d20 run: val_bpb every 250 steps from a random-weight
// start at step 0, CORE every 2000 steps, five jobs ended by a timeout, a
// crash, a crash without progress, a node failure, and the targets.
func d20() Data {
	d := Data{Run: "d20", TargetValBPB: ptr(0.75), TargetCore: ptr(0.25)}
	d.ValBPB = append(d.ValBPB, trainer.Point{Step: 0, Value: 3.31})
	for step := 250; step <= 21400; step += 250 {
		v := 0.74 + 0.45*math.Exp(-float64(step)/3500)
		d.ValBPB = append(d.ValBPB, trainer.Point{Step: step, Value: math.Round(v*1e4) / 1e4})
	}
	d.ValBPB = append(d.ValBPB, trainer.Point{Step: 21400, Value: 0.7451})
	for step := 2000; step <= 20000; step += 2000 {
		v := 0.26 - 0.2*math.Exp(-float64(step)/6000)
		d.Core = append(d.Core, trainer.Point{Step: step, Value: math.Round(v*1e4) / 1e4})
	}
	d.Core = append(d.Core, trainer.Point{Step: 21400, Value: 0.2517}, trainer.Point{Step: 21000, Value: math.NaN()})
	d.Jobs = []Job{
		{ID: "4811", Attempt: 0, From: 0, To: 5000, Outcome: "timeout"},
		{ID: "4907", Attempt: 1, From: 5000, To: 9000, Outcome: "app_failure"},
		{ID: "4912", Attempt: 2, From: 9000, To: 9000, Outcome: "app_failure"},
		{ID: "4930", Attempt: 3, From: 9000, To: 15000, Outcome: "infra_failure"},
		{ID: "5102", Attempt: 4, From: 15000, To: 21400, Outcome: "target_reached"},
	}
	return d
}

func render(t *testing.T, d Data) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := SVG(&b, d); err != nil {
		t.Fatalf("SVG: %v", err)
	}
	return b.Bytes()
}

func TestSVGGolden(t *testing.T) {
	tests := []struct {
		name string
		data Data
	}{
		{"d20", d20()},
		{"empty", Data{Run: "d24"}},
		{"empty-with-jobs", Data{Run: "d24", Jobs: []Job{{ID: "77", Attempt: 1, From: 0, To: 0, Outcome: "app_failure"}}}},
		{"one-point-no-core", Data{Run: "d24 <new> & \"quoted\"", ValBPB: []trainer.Point{{Step: 500, Value: 1.02}},
			TargetValBPB: ptr(0.8), Jobs: []Job{{ID: "9001", Attempt: 1, From: 0, To: 500, Outcome: "RUNNING"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.data)
			path := filepath.Join("testdata", tt.name+".svg")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("SVG differs from %s (run go test -update and look at the image):\ngot:\n%s", path, firstDiff(got, want))
			}
		})
	}
}

// firstDiff shows the first differing line, since whole images are long.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return "(no line differs)"
}

// element is what the structural test needs of an SVG element.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG decodes the document with encoding/xml and returns its
// elements in order; it fails the test on any XML error.
func parseSVG(t *testing.T, doc []byte) []element {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []element
	var open []int
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			open = append(open, len(out)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				out[open[len(open)-1]].text += string(tok)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("root element is not <svg>")
	}
	return out
}
