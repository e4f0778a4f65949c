package trainer

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestTargets(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		targets Targets
		metrics Metrics
		missing []string
	}{
		{"no targets", Targets{}, Metrics{ValBPB: &Point{100, 0.1}, Core: &Point{100, 0.9}}, []string{"no targets set"}},
		{"val_bpb met", Targets{ValBPB: ptr(0.75)}, Metrics{ValBPB: &Point{100, 0.74}}, nil},
		{"val_bpb met exactly", Targets{ValBPB: ptr(0.75)}, Metrics{ValBPB: &Point{100, 0.75}}, nil},
		{"val_bpb above", Targets{ValBPB: ptr(0.75)}, Metrics{ValBPB: &Point{100, 0.81}}, []string{"val_bpb 0.81 > target 0.75"}},
		{"val_bpb missing", Targets{ValBPB: ptr(0.75)}, Metrics{Core: &Point{100, 0.3}}, []string{"no val_bpb evaluation yet"}},
		{"val_bpb NaN", Targets{ValBPB: ptr(0.75)}, Metrics{ValBPB: &Point{300, nan}}, []string{"val_bpb is NaN at step 300"}},
		{"val_bpb -Inf is met", Targets{ValBPB: ptr(0.75)}, Metrics{ValBPB: &Point{300, math.Inf(-1)}}, nil},
		{"CORE met", Targets{CoreMetric: ptr(0.25)}, Metrics{Core: &Point{100, 0.25}}, nil},
		{"CORE below", Targets{CoreMetric: ptr(0.25)}, Metrics{Core: &Point{100, 0.2134}}, []string{"CORE 0.2134 < target 0.25"}},
		{"CORE missing", Targets{CoreMetric: ptr(0.25)}, Metrics{ValBPB: &Point{100, 0.5}}, []string{"no CORE evaluation yet"}},
		{"CORE NaN", Targets{CoreMetric: ptr(0.25)}, Metrics{Core: &Point{4000, nan}}, []string{"CORE is NaN at step 4000"}},
		{"both met", Targets{ValBPB: ptr(0.75), CoreMetric: ptr(0.25)}, Metrics{ValBPB: &Point{100, 0.7}, Core: &Point{100, 0.3}}, nil},
		{"one of two met", Targets{ValBPB: ptr(0.75), CoreMetric: ptr(0.25)}, Metrics{ValBPB: &Point{100, 0.7}, Core: &Point{100, 0.2}}, []string{"CORE 0.2 < target 0.25"}},
		{
			"neither met",
			Targets{ValBPB: ptr(0.75), CoreMetric: ptr(0.25)}, Metrics{ValBPB: &Point{100, 0.8}},
			[]string{"val_bpb 0.8 > target 0.75", "no CORE evaluation yet"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.targets.Missing(tt.metrics); !slices.Equal(got, tt.missing) {
				t.Errorf("Missing = %q, want %q", got, tt.missing)
			}
			if got, want := tt.targets.Reached(tt.metrics), len(tt.missing) == 0; got != want {
				t.Errorf("Reached = %v, want %v", got, want)
			}
		})
	}
}

func TestLatest(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
		want   *Point
	}{
		{"none", nil, nil},
		{"one", []Point{{5, 0.9}}, &Point{5, 0.9}},
		{"highest step, not last entry", []Point{{2000, 0.8}, {4000, 0.7}, {3000, 0.75}}, &Point{4000, 0.7}},
		{"same step: later entry wins", []Point{{2000, 0.81}, {2000, 0.80}}, &Point{2000, 0.80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := latestAtOrBefore(tt.points, math.MaxInt); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Latest = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLatestReturnsACopy(t *testing.T) {
	points := []Point{{1, 0.5}}
	latestAtOrBefore(points, math.MaxInt).Value = 9
	if points[0].Value != 0.5 {
		t.Errorf("Latest aliases its input: points[0] = %v", points[0])
	}
}

func TestMetricsAtOrBefore(t *testing.T) {
	val := []Point{{2000, 0.9}, {4000, 0.8}, {6000, 0.7}}
	core := []Point{{2000, 0.2}, {4000, 0.25}}
	tests := []struct {
		maxStep int
		want    Metrics
	}{
		{-1, Metrics{}},
		{1999, Metrics{}},
		{2000, Metrics{ValBPB: &Point{2000, 0.9}, Core: &Point{2000, 0.2}}},
		{5999, Metrics{ValBPB: &Point{4000, 0.8}, Core: &Point{4000, 0.25}}},
		{6000, Metrics{ValBPB: &Point{6000, 0.7}, Core: &Point{4000, 0.25}}},
	}
	for _, tt := range tests {
		if got := MetricsAtOrBefore(val, core, tt.maxStep); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MetricsAtOrBefore(%d) = %+v, want %+v", tt.maxStep, got, tt.want)
		}
	}
}
