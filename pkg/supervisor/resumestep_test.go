package supervisor

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
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
	rc := &config.Run{Name: "d20", CheckpointDir: dir, Ranks: 1}
	fresh := run.NewRunState("d20")
	poisoned := run.NewRunState("d20")
	poisoned.Suspect = []run.SuspectStep{{Step: 1000, ModTime: now.Add(time.Hour)}}
	regressed := run.NewRunState("d20")
	regressed.NewestStep = 1500
	resumedOnce := run.NewRunState("d20")
	resumedOnce.Job = &run.JobRecord{ID: "7", ResumeStep: 800}
	missing := &config.Run{Name: "d20", CheckpointDir: filepath.Join(dir, "nope"), Ranks: 1}
	tests := []struct {
		name    string
		run     *config.Run
		st      *run.RunState
		want    int
		wantErr error
	}{
		{"newest complete", rc, &fresh, 1000, nil},
		{"state unreadable: the directory alone", rc, nil, 1000, nil},
		{"poisoned step skipped", rc, &poisoned, 500, nil},
		{"ranks of the run", &config.Run{Name: "d20", CheckpointDir: dir, Ranks: 2}, &fresh, run.NoStep, nil},
		{"regressed", rc, &regressed, run.NoStep, ErrCheckpointRegressed},
		{"missing dir, the run never saved: a fresh start", missing, &fresh, run.NoStep, nil},
		{"missing dir, the run had step 1500: hold", missing, &regressed, run.NoStep, ErrCheckpointDirMissing},
		{"missing dir, a job resumed from 800: hold", missing, &resumedOnce, run.NoStep, ErrCheckpointDirMissing},
		{"missing dir, state unreadable: hold", missing, nil, run.NoStep, ErrCheckpointDirMissing},
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
