package simtrain

import (
	"math"
	"testing"
)

func TestCurve(t *testing.T) {
	c := DefaultCurve().resolved(1000) // tau = 250
	tests := []struct {
		name      string
		got, want float64
	}{
		{"val_bpb at 0 is the start", c.ValBPB(0), 1.2},
		{"val_bpb after one tau", c.ValBPB(250), 0.70 + 0.5*math.Exp(-1)},
		{"val_bpb far out is the floor", c.ValBPB(1_000_000), 0.70},
		{"CORE at 0 is the start", c.Core(0), 0},
		{"CORE after one tau", c.Core(250), 0.25 - 0.25*math.Exp(-1)},
		{"CORE far out is the ceiling", c.Core(1_000_000), 0.25},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-12 {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	for s := 1; s <= 1000; s++ {
		if c.ValBPB(s) >= c.ValBPB(s-1) || c.Core(s) <= c.Core(s-1) {
			t.Fatalf("curve not monotone at step %d", s)
		}
	}
}

func TestCurveExplicitTaus(t *testing.T) {
	c := Curve{BPBStart: 2, BPBFloor: 1, BPBTau: 10, CoreCeiling: 1, CoreTau: 20, TauFraction: 0.25}.resolved(1000)
	if got, want := c.ValBPB(10), 1+math.Exp(-1); math.Abs(got-want) > 1e-12 {
		t.Errorf("ValBPB(10) = %v, want %v", got, want)
	}
	if got, want := c.Core(20), 1-math.Exp(-1); math.Abs(got-want) > 1e-12 {
		t.Errorf("Core(20) = %v, want %v", got, want)
	}
}

func TestCurveValidate(t *testing.T) {
	bad := []Curve{
		{BPBStart: math.NaN(), TauFraction: 0.25},
		{BPBTau: -1, TauFraction: 0.25},
		{BPBFloor: math.Inf(1), TauFraction: 0.25},
		{TauFraction: 0},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
	if err := DefaultCurve().Validate(); err != nil {
		t.Errorf("default curve: %v", err)
	}
}

func TestLRMultiplier(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NumIterations = 100 // warmdown over the last 20 steps, to 0
	tests := []struct {
		step int
		want float64
	}{{0, 1}, {80, 1}, {90, 0.5}, {100, 0}}
	for _, tt := range tests {
		if got := cfg.lrMultiplier(tt.step); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("lrMultiplier(%d) = %v, want %v", tt.step, got, tt.want)
		}
	}
}

func TestCommaInt(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {1271552, "1,271,552"}, {-1234567, "-1,234,567"}}
	for _, tt := range tests {
		if got := commaInt(tt.in); got != tt.want {
			t.Errorf("commaInt(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
