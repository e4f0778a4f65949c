package supervisor

import (
	"errors"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// timedOutRig is run d20 whose adopted job timed out after step 1000: the
// next pass submits.
func timedOutRig(t *testing.T) *rig {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 1000, 0.9)
	r.slurm.set(id, "TIMEOUT", "0:0")
	return r
}

// TestSbatchRejectedStopsAfterIdenticalRefusals: sbatch refusing for good
// with the same words stops the run at the third refusal with
// sbatch_rejected and the evidence; resume starts it again; a transient
// failure never stops it.
func TestSbatchRejectedStopsAfterIdenticalRefusals(t *testing.T) {
	r := timedOutRig(t)
	r.slurm.rejectWith = errInvalidPartition
	for i := 1; i <= run.MaxRejections; i++ {
		r.tick()
		st := r.state("d20")
		if r.slurm.count("sbatch") != i {
			t.Fatalf("refusal %d: %d sbatch calls", i, r.slurm.count("sbatch"))
		}
		if i < run.MaxRejections {
			if st.Phase != run.PhaseBackoff || st.Rejections != i {
				t.Fatalf("refusal %d: phase %s rejections %d; want backoff, %d", i, st.Phase, st.Rejections, i)
			}
			r.now = st.BackoffUntil.Add(time.Second)
		}
	}
	st := r.state("d20")
	if st.Phase != run.PhaseStopped || st.Reason != run.ReasonSbatchRejected {
		t.Fatalf("after %d refusals: phase %s reason %s; want stopped, sbatch_rejected", run.MaxRejections, st.Phase, st.Reason)
	}
	ev := r.events(run.EventSbatchRejected)
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldError] != errInvalidPartition.Stderr {
		t.Errorf("sbatch_rejected events %v; want one with Slurm's words", ev)
	}
	if ev := r.events(run.EventRunStopped); len(ev) != 1 || ev[0].ContextMap()[run.FieldReason] != run.ReasonSbatchRejected {
		t.Errorf("run_stopped events %v; want one, reason sbatch_rejected", ev)
	}
	r.now = r.now.Add(time.Hour)
	r.tick()
	if n := r.slurm.count("sbatch"); n != run.MaxRejections {
		t.Errorf("stopped run: %d sbatch calls; want no more than %d", n, run.MaxRejections)
	}

	// The user fixes the partition and resumes the run.
	r.slurm.rejectWith = nil
	if err := r.sup.Resume(r.now, run.Request{Run: "d20", Kind: run.RequestResume}); err != nil {
		t.Fatal(err)
	}
	r.tick()
	if st := r.state("d20"); st.Phase != run.PhaseRunning || st.Rejections != 0 || len(r.slurm.live("d20-ckpt")) != 1 {
		t.Errorf("after resume: phase %s rejections %d live %v; want running", st.Phase, st.Rejections, r.slurm.live("d20-ckpt"))
	}
}

func TestSbatchTransientFailuresNeverStop(t *testing.T) {
	r := timedOutRig(t)
	r.slurm.rejectWith = &slurm.CommandError{Cmd: "sbatch", ExitCode: 1, Err: errors.New("exit status 1"),
		Stderr: "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)"}
	for i := 0; i < 2*run.MaxRejections; i++ {
		r.tick()
		st := r.state("d20")
		if st.Phase != run.PhaseBackoff || st.Rejections != 0 {
			t.Fatalf("failure %d: phase %s rejections %d; want backoff and no rejection counted", i+1, st.Phase, st.Rejections)
		}
		r.now = st.BackoffUntil.Add(time.Second)
	}
}
