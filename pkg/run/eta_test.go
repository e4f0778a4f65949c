package run

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func TestTargetsETA(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	st := RunState{
		Phase: PhaseRunning, NewestStep: 3000,
		Job: &JobRecord{ID: "7", ResumeStep: 2000, Start: now.Add(-time.Hour)}, // 1000 steps an hour
		// val_bpb falls 0.01 per 250 steps; 0.80 at 3000: 0.75 at 4250.
		ValBPB: []trainer.Point{{Step: 2250, Value: 0.83}, {Step: 2500, Value: 0.82}, {Step: 2750, Value: 0.81}, {Step: 3000, Value: 0.80}},
		Core:   []trainer.Point{{Step: 2000, Value: 0.20}, {Step: 3000, Value: 0.26}},
	}
	tests := []struct {
		name    string
		targets trainer.Targets
		edit    func(*RunState)
		want    time.Duration
		ok      bool
	}{
		{"val_bpb trend", trainer.Targets{ValBPB: f(0.75), CoreMetric: f(0.25)}, nil, 75 * time.Minute, true},
		{"already met", trainer.Targets{CoreMetric: f(0.25)}, nil, 0, false},
		{"trend the wrong way", trainer.Targets{ValBPB: f(0.75)}, func(s *RunState) {
			s.ValBPB = []trainer.Point{{Step: 2500, Value: 0.80}, {Step: 3000, Value: 0.81}}
		}, 0, false},
		{"not running", trainer.Targets{ValBPB: f(0.75)}, func(s *RunState) { s.Phase = PhaseBackoff }, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := st
			if tt.edit != nil {
				tt.edit(&s)
			}
			got, ok := TargetsETA(s, tt.targets, now)
			if ok != tt.ok || (ok && (got-tt.want).Abs() > time.Minute) {
				t.Errorf("eta = %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
