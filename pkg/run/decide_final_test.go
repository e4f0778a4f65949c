package run

import (
	"slices"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// TestDecideFinalStep: a run whose newest complete checkpoint is the
// planned final step is finished, whatever ended its job, and is never
// resubmitted from that step (nanochat would only rewrite it in place).
// The planned total comes from the log's "step N/T" or from meta's
// num_iterations when the run set one.
func TestDecideFinalStep(t *testing.T) {
	logAt := func(total int) *trainer.LogSummary {
		return &trainer.LogSummary{LastStep: total - 1, PlannedTotal: total, ResumedFrom: 1000}
	}
	tests := []struct {
		name   string
		edit   func(in *Input)
		phase  Phase
		reason string
	}{
		{"COMPLETED, log says step 2000/2000, targets missed", func(in *Input) {
			in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0")
			in.Ckpt.Newest = 2000
			in.Log.Summary = logAt(2000)
		}, PhaseStopped, ReasonCompletedBelowTarget},
		{"COMPLETED, no log, meta num_iterations 2000", func(in *Input) {
			in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0")
			in.Ckpt.Newest = 2000
			in.Ckpt.NewestNumIterations = 2000
			in.Log.Missing = true
		}, PhaseStopped, ReasonCompletedBelowTarget},
		{"TIMEOUT after the final checkpoint was written", func(in *Input) {
			in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
			in.Ckpt.Newest = 2000
			in.Log.Summary = logAt(2000)
		}, PhaseStopped, ReasonCompletedBelowTarget},
		{"FAILED after the final checkpoint, no targets: done", func(in *Input) {
			in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
			in.Ckpt.Newest = 2000
			in.Log.Summary = logAt(2000)
			in.Spec.Targets = trainer.Targets{}
		}, PhaseDone, ReasonTrainingFinished},
		{"backing off, the final step appears: no submission from it", func(in *Input) {
			in.State.Job.Handled = true
			in.State.Job.State = "FAILED"
			in.State.Phase, in.State.Reason = PhaseBackoff, ReasonBackoff
			in.State.PlannedTotal = 2000
			in.Ckpt.Newest = 2000
		}, PhaseStopped, ReasonCompletedBelowTarget},
		{"TIMEOUT before the final step: resubmitted as before", func(in *Input) {
			in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
			in.Ckpt.Newest = 1500
			in.Log.Summary = logAt(2000)
		}, PhaseSubmitting, ReasonTimeout},
		{"meta num_iterations -1 (nanochat's default) tells nothing", func(in *Input) {
			in.Slurm.Job = sacctRow("100", "COMPLETED", "0:0")
			in.Ckpt.Newest = 2000
			in.Ckpt.NewestNumIterations = 0
			in.Log.Missing = true
		}, PhaseBackoff, ReasonBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(running())
			tt.edit(&in)
			p := Decide(in)
			if p.Next.Phase != tt.phase || p.Next.Reason != tt.reason {
				t.Errorf("phase %s (%s); want %s (%s)", p.Next.Phase, p.Next.Reason, tt.phase, tt.reason)
			}
			if sub, ok := p.Submission(); ok && tt.phase != PhaseSubmitting {
				t.Errorf("submitted %+v; want no submission", sub)
			}
		})
	}
}

// TestDecideMetaValBPBStep: meta's val_bpb is nanochat's most recent
// evaluation, made every eval_every steps; it is recorded at that step,
// and not at all when the log holds the real line.
func TestDecideMetaValBPBStep(t *testing.T) {
	tests := []struct {
		name string
		edit func(in *Input)
		want []trainer.Point
	}{
		{"eval_every known: at the evaluation's step", func(in *Input) {
			in.Ckpt.Newest, in.Ckpt.NewestValBPB, in.Ckpt.NewestEvalEvery = 2000, fp(0.81), 300
		}, []trainer.Point{{Step: 1800, Value: 0.81}}},
		{"the log has it: only the log's line", func(in *Input) {
			in.Ckpt.Newest, in.Ckpt.NewestValBPB, in.Ckpt.NewestEvalEvery = 2000, fp(0.81), 300
			in.Log.Summary = &trainer.LogSummary{ValBPB: []trainer.Point{{Step: 1800, Value: 0.8123}}, LastStep: 2000, ResumedFrom: -1}
		}, []trainer.Point{{Step: 1800, Value: 0.8123}}},
		{"eval_every unknown, the log shows the value earlier (to 6 decimals): not again", func(in *Input) {
			in.Ckpt.Newest, in.Ckpt.NewestValBPB = 2000, fp(0.81234512)
			in.Log.Summary = &trainer.LogSummary{ValBPB: []trainer.Point{{Step: 1800, Value: 0.812345}}, LastStep: 2000, ResumedFrom: -1}
		}, []trainer.Point{{Step: 1800, Value: 0.812345}}},
		{"no log: at the checkpoint's step, as the best that is known", func(in *Input) {
			in.Ckpt.Newest, in.Ckpt.NewestValBPB = 2000, fp(0.81)
		}, []trainer.Point{{Step: 2000, Value: 0.81}}},
		{"the final step is always evaluated", func(in *Input) {
			in.Ckpt.Newest, in.Ckpt.NewestValBPB, in.Ckpt.NewestEvalEvery, in.Ckpt.NewestNumIterations = 2000, fp(0.78), 300, 2000
		}, []trainer.Point{{Step: 2000, Value: 0.78}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(running())
			in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
			tt.edit(&in)
			p := Decide(in)
			if got := p.Next.ValBPB; !slices.Equal(got, tt.want) {
				t.Errorf("val_bpb points %v; want %v", got, tt.want)
			}
		})
	}
}
