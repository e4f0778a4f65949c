package goodput

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

func TestParseAllocTRES(t *testing.T) {
	tests := []struct {
		tres string
		want Alloc
	}{
		{"", Alloc{}},
		{"billing=1,cpu=1,mem=1G,node=1", Alloc{1, UnitCPU}}, // the lab cluster: no GPUs
		{"billing=16,cpu=16,gres/gpu:l40s=1,gres/gpu=1,mem=64G,node=1", Alloc{1, UnitGPU}},
		{"billing=32,cpu=32,gres/gpu:a100=4,mem=256G,node=1", Alloc{4, UnitGPU}},
		{"billing=8,cpu=8,gres/gpu=8,mem=1T,node=2", Alloc{8, UnitGPU}},
		{"billing=3,mem=1G", Alloc{3, UnitBilling}},
		{"cpu=x,gres/gpu=,node", Alloc{}},
	}
	for _, tt := range tests {
		if got := ParseAllocTRES(tt.tres); got != tt.want {
			t.Errorf("ParseAllocTRES(%q) = %+v, want %+v", tt.tres, got, tt.want)
		}
	}
}

// progressLog prints nanochat progress lines for steps from..to-1.
func progressLog(from, to int, dt string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Resuming optimization from step %d\n", from)
	for s := from; s < to; s++ {
		fmt.Fprintf(&b, "step %05d/21400 (9.35%%) | loss: 2.9 | lrm: 1.00 | dt: %s | tok/sec: 1,271,552\n", s, dt)
	}
	return b.String()
}

func stats(t *testing.T, log string) StepStats {
	t.Helper()
	s, err := stepTime(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// realRow is the one job of a capture from the local Slurm, in the
// daemon's own format.
func realRow(t *testing.T, name string) slurm.Job {
	t.Helper()
	out, err := os.ReadFile(filepath.Join("..", "slurm", "testdata", "real", "unitsep", "accounting", name))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := slurm.SacctParser{Location: time.UTC}.Parse(out)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%s: got %d jobs, %v; want one", name, len(jobs), err)
	}
	return jobs[0]
}

func fromRow(r slurm.Job) Job {
	return Job{ID: r.ID, State: r.State.String(), Ended: r.State.Terminal(), Submit: r.Submit, Start: r.Start,
		End: r.End, Elapsed: r.Elapsed, AllocTRES: r.AllocTRES}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// wantAccount is a JobAccount written flat.
type wantAccount struct {
	JobID, State                           string
	Alloc                                  Alloc
	AllocHours, BankedHours, LostHours     float64
	BankedSteps, LostSteps                 int
	StepTime, QueueWait, Restart, Reaction time.Duration
}

func TestAccountJob(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	timeout := fromRow(realRow(t, "timeout.sacct")) // TIMEOUT, Elapsed 00:01:27, cpu=1
	gpuJob := Job{ID: "41", State: "TIMEOUT", Ended: true, Submit: t0, Start: t0.Add(10 * time.Minute),
		End: t0.Add(70 * time.Minute), Elapsed: time.Hour,
		AllocTRES: "billing=16,cpu=16,gres/gpu:l40s=2,gres/gpu=2,mem=64G,node=1"}

	tests := []struct {
		name string
		job  func() Job
		want wantAccount
	}{
		{
			name: "real TIMEOUT on the lab cluster: CPU-hours, nothing trained",
			job:  func() Job { j := timeout; j.ResumeStep, j.NewestStep = 2000, 2000; return j },
			want: wantAccount{JobID: "118", State: "TIMEOUT", Alloc: Alloc{1, UnitCPU}, AllocHours: 87.0 / 3600,
				QueueWait: 7 * time.Second},
		},
		{
			name: "TIMEOUT on GPUs: banked to the last checkpoint, the rest lost",
			job: func() Job {
				j := gpuJob
				j.ResumeStep, j.NewestStep = 2000, 2250
				j.Steps = stats(t, progressLog(2000, 2500, "400.00ms"))
				j.FirstStepAt = j.Start.Add(3 * time.Minute)
				return j
			},
			want: wantAccount{JobID: "41", State: "TIMEOUT", Alloc: Alloc{2, UnitGPU}, AllocHours: 2,
				BankedSteps: 250, BankedHours: 250 * 0.4 * 2 / 3600, LostSteps: 250, LostHours: 250 * 0.4 * 2 / 3600,
				StepTime: 400 * time.Millisecond, QueueWait: 10 * time.Minute, Restart: 3 * time.Minute},
		},
		{
			name: "first step seen after the job's end: no restart time",
			job: func() Job {
				j := gpuJob
				j.ResumeStep, j.NewestStep = 2000, 2000
				j.FirstStepAt = j.End.Add(time.Hour)
				return j
			},
			want: wantAccount{JobID: "41", State: "TIMEOUT", Alloc: Alloc{2, UnitGPU}, AllocHours: 2, QueueWait: 10 * time.Minute},
		},
		{
			name: "fresh start, no checkpoint yet: everything lost",
			job: func() Job {
				j := gpuJob
				j.ResumeStep, j.NewestStep = FreshStart, NoCheckpoint
				j.Steps = stats(t, progressLog(0, 100, "400.00ms"))
				return j
			},
			want: wantAccount{JobID: "41", State: "TIMEOUT", Alloc: Alloc{2, UnitGPU}, AllocHours: 2,
				LostSteps: 100, LostHours: 100 * 0.4 * 2 / 3600, StepTime: 400 * time.Millisecond, QueueWait: 10 * time.Minute},
		},
		{
			name: "finished: the final checkpoint follows the last progress line",
			job: func() Job {
				j := gpuJob
				j.State, j.ResumeStep, j.NewestStep = "COMPLETED", 21000, 21400
				j.Steps = stats(t, progressLog(21000, 21400, "400.00ms"))
				return j
			},
			want: wantAccount{JobID: "41", State: "COMPLETED", Alloc: Alloc{2, UnitGPU}, AllocHours: 2,
				BankedSteps: 400, BankedHours: 400 * 0.4 * 2 / 3600, StepTime: 400 * time.Millisecond, QueueWait: 10 * time.Minute},
		},
		{
			name: "adopted job, resume step unknown: the log's first step",
			job: func() Job {
				j := gpuJob
				j.ResumeStep, j.NewestStep = -2, 1500
				j.Steps = stats(t, progressLog(1000, 1600, "400.00ms"))
				return j
			},
			want: wantAccount{JobID: "41", State: "TIMEOUT", Alloc: Alloc{2, UnitGPU}, AllocHours: 2,
				BankedSteps: 500, BankedHours: 500 * 0.4 * 2 / 3600, LostSteps: 100, LostHours: 100 * 0.4 * 2 / 3600,
				StepTime: 400 * time.Millisecond, QueueWait: 10 * time.Minute},
		},
		{
			name: "still running: hours so far, nothing counted lost",
			job: func() Job {
				j := gpuJob
				j.Ended, j.State, j.End, j.Elapsed = false, "RUNNING", time.Time{}, 0
				j.ResumeStep, j.NewestStep = 2000, 2250
				j.Steps = stats(t, progressLog(2000, 2400, "400.00ms"))
				return j
			},
			want: wantAccount{JobID: "41", State: "RUNNING", Alloc: Alloc{2, UnitGPU}, AllocHours: 1,
				BankedSteps: 250, BankedHours: 250 * 0.4 * 2 / 3600, StepTime: 400 * time.Millisecond, QueueWait: 10 * time.Minute},
		},
	}
	now := t0.Add(40 * time.Minute) // the running case started at t0+10m
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Account([]Job{tt.job()}, now)
			got := r.Jobs[0]
			w := tt.want
			if got.JobID != w.JobID || got.State != w.State || got.Alloc != w.Alloc || !near(got.AllocHours, w.AllocHours) ||
				got.BankedSteps != w.BankedSteps || !near(got.BankedHours, w.BankedHours) ||
				got.LostSteps != w.LostSteps || !near(got.LostHours, w.LostHours) || got.StepTime != w.StepTime ||
				got.QueueWait != w.QueueWait || got.Restart != w.Restart || got.Reaction != w.Reaction {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
			if (got.GPUHours != nil) != (w.Alloc.Unit == UnitGPU) {
				t.Errorf("gpu_hours %v for unit %s", got.GPUHours, w.Alloc.Unit)
			}
			if w.StepTime > 0 && (got.Goodput == nil || !near(*got.Goodput, w.BankedHours/w.AllocHours)) {
				t.Errorf("goodput %v, want %v", got.Goodput, w.BankedHours/w.AllocHours)
			}
			if w.StepTime == 0 && got.Goodput != nil {
				t.Errorf("goodput %v without a step time, want none", *got.Goodput)
			}
		})
	}
}

// TestAccountRun: totals over jobs, the reaction between them, and a job
// without dt costed at the others' step time.
func TestAccountRun(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	tres := "billing=16,cpu=16,gres/gpu=1,mem=64G,node=1"
	jobs := []Job{
		{ID: "1", State: "TIMEOUT", Ended: true, Submit: t0, Start: t0, End: t0.Add(time.Hour), Elapsed: time.Hour,
			AllocTRES: tres, ResumeStep: FreshStart, NewestStep: 3000, Steps: stats(t, progressLog(0, 3200, "1000.00ms"))},
		{ID: "2", State: "FAILED", Ended: true, Submit: t0.Add(62 * time.Minute), Start: t0.Add(90 * time.Minute),
			End: t0.Add(120 * time.Minute), Elapsed: 30 * time.Minute, AllocTRES: tres, ResumeStep: 3000, NewestStep: 3000,
			Steps: stats(t, progressLog(3000, 3100, "?"))},
	}
	r := Account(jobs, t0.Add(3*time.Hour))
	if r.Jobs[0].Reaction != 2*time.Minute || r.Jobs[1].Reaction != 0 {
		t.Errorf("reactions %v, %v; want 2m0s, 0s", r.Jobs[0].Reaction, r.Jobs[1].Reaction)
	}
	if r.Jobs[1].StepTime != time.Second || r.Jobs[1].LostSteps != 100 || !near(r.Jobs[1].LostHours, 100.0/3600) {
		t.Errorf("job 2: %+v; want 100 steps lost at the run's 1s", r.Jobs[1])
	}
	if r.Unit != UnitGPU || !near(r.AllocHours, 1.5) || r.GPUHours == nil || !near(*r.GPUHours, 1.5) ||
		r.BankedSteps != 3000 || r.LostSteps != 300 || !near(r.LostHours, 300.0/3600) || r.QueueWait != 28*time.Minute {
		t.Errorf("totals: %+v", r)
	}
	if r.Goodput == nil || !near(*r.Goodput, (3000.0/3600)/1.5) {
		t.Errorf("goodput %v, want %v", r.Goodput, (3000.0/3600)/1.5)
	}
}

func TestAccountMixedUnits(t *testing.T) {
	jobs := []Job{
		{ID: "1", Ended: true, Elapsed: time.Hour, AllocTRES: "cpu=2"},
		{ID: "2", Ended: true, Elapsed: time.Hour, AllocTRES: "cpu=2,gres/gpu=1"},
		{ID: "3", Ended: true, AllocTRES: ""}, // never started
	}
	r := Account(jobs, time.Time{})
	if r.Unit != "mixed" || r.GPUHours != nil || r.Goodput != nil {
		t.Errorf("got unit %q gpu_hours %v goodput %v; want mixed, none, none", r.Unit, r.GPUHours, r.Goodput)
	}
}
