package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// FuzzSVG checks that any data, however odd, gives a well-formed document
// without panicking.
func FuzzSVG(f *testing.F) {
	f.Add("d20", "4811", "timeout", 0, 5000, 0.8, 0.2, 2000, 0.75, 0.25)
	f.Add("", "", "", -5, -10, math.NaN(), math.Inf(1), 0, math.NaN(), math.Inf(-1))
	f.Add("<x>&\x00\xff", "]]>", "\"'", math.MaxInt, math.MinInt, math.MaxFloat64, -math.MaxFloat64, math.MaxInt, 1e-300, -1e300)
	f.Fuzz(func(t *testing.T, run, id, outcome string, from, to int, v1, v2 float64, step int, tv, tc float64) {
		d := Data{
			Run:    run,
			ValBPB: []trainer.Point{{Step: from, Value: v1}, {Step: step, Value: v2}, {Step: to, Value: v1}},
			Core:   []trainer.Point{{Step: step, Value: v2}},
			Jobs: []Job{
				{ID: id, Attempt: 1, From: from, To: to, Outcome: outcome},
				{ID: id, Attempt: 0, From: to, To: step, Outcome: outcome},
			},
			TargetValBPB: &tv, TargetCore: &tc,
		}
		var b bytes.Buffer
		if err := SVG(&b, d); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(&b)
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v", err)
			}
		}
	})
}
