package run

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// needs (observe.go) decides whether a pass asks squeue for a run; the
// pass asks it anyway when another run needs it. So what Decide makes of a
// run must not depend on squeue's answer whenever needs said it was not
// needed: otherwise a run would act differently depending on its
// neighbours, and a run alone would miss what squeue would have told it.
// This test ties the two together over a grid of states: where needs says
// no, Decide is run without squeue and with a squeue full of what could
// mislead it (a twin with the run's tag, the run's own job, a pending
// successor), and must plan the same.
func TestNeedsCoversWhatDecideReadsOfTheQueue(t *testing.T) {
	type variant struct {
		name string
		edit func(in *Input)
	}
	jobs := []variant{
		{"no job", func(in *Input) { in.State.Job = nil; in.State.Phase, in.State.Reason = PhaseWaiting, ReasonNoJob }},
		{"running", func(in *Input) { in.Slurm.Job = sacctRow("100", "RUNNING", "0:0") }},
		{"pending", func(in *Input) { in.Slurm.Job = sacctRow("100", "PENDING", "0:0") }},
		{"timed out", func(in *Input) { in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0") }},
		{"failed", func(in *Input) { in.Slurm.Job = sacctRow("100", "FAILED", "1:0") }},
		{"not in sacct", func(in *Input) { in.Slurm.Job = nil }},
		{"handled, backing off", func(in *Input) {
			in.State.Job.Handled, in.State.Job.State = true, "FAILED"
			in.State.Phase, in.State.Reason, in.State.BackoffUntil = PhaseBackoff, ReasonAppFailure, t0.Add(time.Minute)
			in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
		}},
		{"handled, backoff over", func(in *Input) {
			in.State.Job.Handled, in.State.Job.State = true, "FAILED"
			in.State.Phase, in.State.Reason, in.State.BackoffUntil = PhaseBackoff, ReasonAppFailure, t0.Add(-time.Minute)
			in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
		}},
		{"intent pending", func(in *Input) {
			in.State.Job.Handled = true
			in.State.Intent = &Intent{Tag: "nsv:d20:2:cc", Attempt: 2, FromStep: 1000, At: t0.Add(-time.Minute)}
			in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
		}},
		{"done", func(in *Input) {
			in.State.Phase, in.State.Reason = PhaseDone, ReasonTargetReached
			in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		}},
		{"stopped", func(in *Input) {
			in.State.Phase, in.State.Reason = PhaseStopped, ReasonCrashLoop
			in.State.Job.Handled = true
			in.Slurm.Job = sacctRow("100", "FAILED", "1:0")
		}},
		{"paused", func(in *Input) {
			in.Spec.Paused = true
			in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		}},
		{"successor being cancelled", func(in *Input) {
			withSuccessor(in)
			in.State.Successor.CancelSent = t0.Add(-time.Minute)
			in.State.Successor.Outcome = ReasonCheckpointDirMissing
			in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		}},
		{"successor queued", func(in *Input) {
			withSuccessor(in)
			in.Slurm.Job = sacctRow("100", "RUNNING", "0:0")
		}},
	}
	specs := []variant{
		{"adopt", func(in *Input) {}},
		{"submit", func(in *Input) { in.Spec.Start = StartSubmit }},
		{"queue ahead", func(in *Input) { in.Spec.QueueAhead = true }},
	}
	ckpts := []variant{
		{"step 1000", func(in *Input) {}},
		{"step 1500", func(in *Input) { in.Ckpt = CkptView{Newest: 1500} }},
		{"dir missing", func(in *Input) { in.Ckpt = CkptView{Missing: true, Newest: NoStep} }},
	}
	checked := 0
	for _, j := range jobs {
		for _, s := range specs {
			for _, c := range ckpts {
				name := fmt.Sprintf("%s/%s/%s", j.name, s.name, c.name)
				in := input(running())
				in.Slurm.Queue = nil
				j.edit(&in)
				s.edit(&in)
				c.edit(&in)
				// sacct's row of the state's job, as the pass finds it.
				var row *slurm.Job
				if j := in.State.Job; j != nil && j.Cluster == "" && in.Slurm.Job != nil && in.Slurm.Job.ID == j.ID {
					row = in.Slurm.Job
				}
				if need, _ := Needs(in.Spec, in.State, row, in.Now); need {
					continue
				}
				checked++
				without := in
				without.State = in.State.Clone()
				without.Slurm.QueueAsked, without.Slurm.Queue = false, nil
				// Two answers squeue could give: only the run's own job,
				// and one full of what could mislead (a twin with the run's
				// tag, a pending successor).
				for _, queue := range [][]slurm.QueueEntry{
					{queued("100", "RUNNING", "nsv:d20:1:aa")},
					{
						queued("100", "RUNNING", "nsv:d20:1:aa"),
						queued("300", "PENDING", "nsv:d20:2:cc"),
						queued("301", "PENDING", "nsv:d20:9:qbeef"),
					},
				} {
					with := in
					with.State = in.State.Clone()
					with.Slurm.QueueAsked, with.Slurm.Queue = true, queue
					a, b := Decide(without), Decide(with)
					if !reflect.DeepEqual(a, b) {
						t.Errorf("%s: needs says squeue is not needed, but Decide reads it (%d entries):\nwithout: %s %s %v %v\nwith:    %s %s %v %v",
							name, len(queue), a.Next.Phase, a.Next.Reason, a.Actions, eventNames(a),
							b.Next.Phase, b.Next.Reason, b.Actions, eventNames(b))
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d states where squeue is not needed; the grid no longer covers the running cases", checked)
	}
}
