package supervisor

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

func TestResumeStepFor(t *testing.T) {
	dir := t.TempDir()
	for _, step := range []int{500, 1000} {
		if err := ckpttest.WriteStep(dir, step, 1, 0.9); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	run := &config.Run{Name: "d20", CheckpointDir: dir, Ranks: 1}
	fresh := NewRunState("d20")
	poisoned := NewRunState("d20")
	poisoned.Suspect = []SuspectStep{{Step: 1000, ModTime: now.Add(time.Hour)}}
	regressed := NewRunState("d20")
	regressed.NewestStep = 1500
	resumedOnce := NewRunState("d20")
	resumedOnce.Job = &JobRecord{ID: "7", ResumeStep: 800}
	missing := &config.Run{Name: "d20", CheckpointDir: filepath.Join(dir, "nope"), Ranks: 1}
	tests := []struct {
		name    string
		run     *config.Run
		st      *RunState
		want    int
		wantErr error
	}{
		{"newest complete", run, &fresh, 1000, nil},
		{"state unreadable: the directory alone", run, nil, 1000, nil},
		{"poisoned step skipped", run, &poisoned, 500, nil},
		{"ranks of the run", &config.Run{Name: "d20", CheckpointDir: dir, Ranks: 2}, &fresh, NoStep, nil},
		{"regressed", run, &regressed, NoStep, ErrCheckpointRegressed},
		{"missing dir, the run never saved: a fresh start", missing, &fresh, NoStep, nil},
		{"missing dir, the run had step 1500: hold", missing, &regressed, NoStep, ErrCheckpointDirMissing},
		{"missing dir, a job resumed from 800: hold", missing, &resumedOnce, NoStep, ErrCheckpointDirMissing},
		{"missing dir, state unreadable: hold", missing, nil, NoStep, ErrCheckpointDirMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResumeStepFor(tt.run, tt.st, now)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got step %d, want %d", got, tt.want)
			}
		})
	}
}
