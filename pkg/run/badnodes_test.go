package run

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func badNodeNames(bad []BadNode) []string {
	var names []string
	for _, b := range bad {
		names = append(names, b.Node)
	}
	return names
}

func TestDecideNotesBadNodes(t *testing.T) {
	tests := []struct {
		name   string
		state  string
		newest int // 1000: no progress
		hints  []string
		cancel string // the job's CancelReason
		before []BadNode
		want   []string
	}{
		{name: "NODE_FAIL: both nodes", state: "NODE_FAIL", newest: 1400, want: []string{"gpu02", "gpu01"}},
		{name: "FAILED without progress, NCCL error", state: "FAILED", newest: 1000, hints: []string{"python_traceback", "nccl_error"}, want: []string{"gpu02", "gpu01"}},
		{name: "FAILED without progress, CUDA error", state: "FAILED", newest: 1000, hints: []string{"cuda_error"}, want: []string{"gpu02", "gpu01"}},
		{name: "FAILED with progress, NCCL error: the nodes worked", state: "FAILED", newest: 1400, hints: []string{"nccl_error"}},
		{name: "FAILED without progress, CUDA out of memory: the code, not the node", state: "FAILED", newest: 1000, hints: []string{"cuda_oom"}},
		{name: "cancelled for a stall, NCCL error in the log", state: "CANCELLED by 1000", newest: 1000, hints: []string{"nccl_error"},
			cancel: ReasonStallCancel, want: []string{"gpu02", "gpu01"}},
		{name: "COMPLETED without progress, an NCCL warning: not a failure", state: "COMPLETED", newest: 1000, hints: []string{"nccl_error"}},
		{name: "TIMEOUT without progress, NCCL watchdog in the log: a hang", state: "TIMEOUT", newest: 1000, hints: []string{"nccl_error"}, want: []string{"gpu02", "gpu01"}},
		{name: "cancelled by the user, NCCL error: left alone", state: "CANCELLED by 1000", newest: 1000, hints: []string{"nccl_error"}},
		{name: "capped at 4, the newest kept", state: "NODE_FAIL", newest: 1400,
			before: []BadNode{{Node: "a", At: t0.Add(-3 * time.Hour)}, {Node: "gpu01", At: t0.Add(-2 * time.Hour)}, {Node: "b", At: t0.Add(-time.Hour)}, {Node: "c"}},
			want:   []string{"gpu02", "gpu01", "a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := running()
			st.Job.NodeList, st.Job.CancelReason, st.BadNodes = "gpu[01-02]", tt.cancel, tt.before
			in := input(st)
			in.Slurm.Job = sacctRow("100", tt.state, "1:0")
			in.Ckpt.Newest = tt.newest
			in.Log.Summary = &trainer.LogSummary{Hints: tt.hints, LastStep: 1010, ResumedFrom: 1000}
			p := Decide(in)
			if got := badNodeNames(p.Next.BadNodes); !slices.Equal(got, tt.want) {
				t.Errorf("bad nodes %v, want %v", got, tt.want)
			}
			if len(tt.want) > 0 && (p.Next.BadNodes[0].JobID != "100" || !p.Next.BadNodes[0].At.Equal(t0)) {
				t.Errorf("evidence %+v, want job 100 at t0", p.Next.BadNodes[0])
			}
		})
	}
}

func TestDecideExcludesBadNodes(t *testing.T) {
	st := running()
	st.Job.Handled, st.Job.Outcome = true, ReasonInfraFailure
	st.BadNodes = []BadNode{
		{Node: "gpu02", JobID: "100", Reason: "node_fail", At: t0.Add(-time.Hour)},
		{Node: "gpu07", JobID: "90", Reason: "nccl_error", At: t0.Add(-25 * time.Hour)},
	}
	p := Decide(input(st))
	sub, ok := p.Submission()
	if !ok || sub.Exclude != "gpu02" {
		t.Fatalf("submission %+v (%v), want one excluding gpu02 only (gpu07 expired)", sub, ok)
	}
	if got := badNodeNames(p.Next.BadNodes); !slices.Equal(got, []string{"gpu02"}) {
		t.Errorf("bad nodes kept %v, want [gpu02]", got)
	}
	e := p.Events[len(p.Events)-1]
	if e.Name != EventSubmitIntent || !slices.Equal(e.Fields[FieldExclude].([]string), []string{"gpu02"}) ||
		e.Fields["exclude_evidence"].([]string)[0] != "gpu02: node_fail of job 100 at 2026-11-28T11:00:00Z" {
		t.Errorf("event %+v, want submit_intent with the exclusion and its evidence", e)
	}
}

func TestAfterSbatchForgetsUnsatisfiableExclusion(t *testing.T) {
	st := running()
	st.Job.Handled = true
	st.Attempts = 2
	st.BadNodes = []BadNode{{Node: "vm", JobID: "100", Reason: "node_fail", At: t0}}
	st.Intent = &Intent{Tag: "nsv:d20:2:aa", Attempt: 2, FromStep: 1000, At: t0}
	spec := RunSpec{Name: "d20", Policy: Policy{Backoff: time.Minute, MaxBackoff: time.Hour}}
	refused := &slurm.CommandError{Cmd: "sbatch", ExitCode: 1, Err: errors.New("exit status 1"),
		Stderr: "sbatch: error: Batch job submission failed: Requested node configuration is not available\n"}
	next, events := AfterSbatch(st, spec, Submit{Attempt: 2, FromStep: 1000, Tag: "nsv:d20:2:aa", Exclude: "vm"}, slurm.JobRef{}, refused, t0, 0.5)
	if next.BadNodes != nil || next.Intent != nil || next.Attempts != 1 || !next.BackoffUntil.Equal(t0) || next.SubmitFailures != 0 {
		t.Errorf("state bad nodes %v intent %v attempts %d backoff until %v failures %d; want all forgotten, attempt given back, no delay",
			next.BadNodes, next.Intent, next.Attempts, next.BackoffUntil, next.SubmitFailures)
	}
	if len(events) != 1 || events[0].Fields[FieldReason] != ReasonExcludeUnsatisfiable {
		t.Errorf("events %+v, want resubmit_failed %s", events, ReasonExcludeUnsatisfiable)
	}
}
