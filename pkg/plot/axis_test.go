package plot

import (
	"math"
	"slices"
	"testing"
)

func TestNiceAxis(t *testing.T) {
	tests := []struct {
		lo, hi    float64
		n         int
		integer   bool
		wantTicks []float64
		wantLabel []string
	}{
		{0.7412, 1.19, 5, false, []float64{0.7, 0.8, 0.9, 1, 1.1, 1.2}, []string{"0.7", "0.8", "0.9", "1.0", "1.1", "1.2"}},
		{0.1, 0.26, 5, false, []float64{0.1, 0.15, 0.2, 0.25, 0.3}, []string{"0.10", "0.15", "0.20", "0.25", "0.30"}},
		{0, 21400, 9, true, []float64{0, 5000, 10000, 15000, 20000, 25000}, []string{"0", "5k", "10k", "15k", "20k", "25k"}},
		{0, 7, 9, true, []float64{0, 1, 2, 3, 4, 5, 6, 7}, []string{"0", "1", "2", "3", "4", "5", "6", "7"}},
		{500, 500, 9, true, []float64{450, 460, 470, 480, 490, 500, 510, 520, 530, 540, 550},
			[]string{"450", "460", "470", "480", "490", "500", "510", "520", "530", "540", "550"}},
		{-0.02, 0.02, 5, false, []float64{-0.02, -0.01, 0, 0.01, 0.02}, []string{"-0.02", "-0.01", "0.00", "0.01", "0.02"}},
		{1, 1, 5, false, []float64{0.9, 1, 1.1}, []string{"0.9", "1.0", "1.1"}},
	}
	for _, tt := range tests {
		a := niceAxis(tt.lo, tt.hi, tt.n, tt.integer)
		if len(a.ticks) != len(tt.wantTicks) {
			t.Errorf("niceAxis(%v, %v): ticks got %v, want %v", tt.lo, tt.hi, a.ticks, tt.wantTicks)
			continue
		}
		var labels []string
		for i, v := range a.ticks {
			if math.Abs(v-tt.wantTicks[i]) > 1e-9 {
				t.Errorf("niceAxis(%v, %v): ticks got %v, want %v", tt.lo, tt.hi, a.ticks, tt.wantTicks)
				break
			}
			labels = append(labels, a.label(v))
		}
		if !slices.Equal(labels, tt.wantLabel) {
			t.Errorf("niceAxis(%v, %v): labels got %q, want %q", tt.lo, tt.hi, labels, tt.wantLabel)
		}
		if a.lo > tt.lo || a.hi < tt.hi {
			t.Errorf("niceAxis(%v, %v): domain [%v, %v] does not contain the data", tt.lo, tt.hi, a.lo, a.hi)
		}
	}
}

func TestTightAxisEndsAtTheData(t *testing.T) {
	a := tightAxis(0, 21400, 9, true)
	if got, want := a.ticks, []float64{0, 5000, 10000, 15000, 20000}; !slices.Equal(got, want) {
		t.Errorf("ticks: got %v, want %v", got, want)
	}
	if a.lo > 0 || a.hi < 21400 || a.hi > 21400*1.05 {
		t.Errorf("domain: got [%v, %v], want just around [0, 21400]", a.lo, a.hi)
	}
}

func TestNiceAxisDegenerate(t *testing.T) {
	for _, r := range [][2]float64{
		{math.NaN(), 1}, {0, math.Inf(1)}, {-math.MaxFloat64, math.MaxFloat64}, {1e300, 1e300 + 1}, {3, -3},
	} {
		a := niceAxis(r[0], r[1], 5, false)
		if len(a.ticks) > maxTicks+1 {
			t.Errorf("niceAxis(%v, %v): %d ticks, want at most %d", r[0], r[1], len(a.ticks), maxTicks+1)
		}
		if !isFinite(a.lo) || !isFinite(a.hi) || a.lo > a.hi {
			t.Errorf("niceAxis(%v, %v): domain [%v, %v] is not a finite interval", r[0], r[1], a.lo, a.hi)
		}
	}
}

func TestNiceNumber(t *testing.T) {
	tests := []struct {
		x     float64
		round bool
		want  float64
	}{
		{0.46, false, 0.5}, {0.46, true, 0.5}, {1.2, true, 1}, {1.2, false, 2}, {2.9, true, 2},
		{7.5, true, 10}, {21400, false, 50000}, {0, false, 1}, {math.NaN(), true, 1},
	}
	for _, tt := range tests {
		if got := niceNumber(tt.x, tt.round); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("niceNumber(%v, %v): got %v, want %v", tt.x, tt.round, got, tt.want)
		}
	}
}
