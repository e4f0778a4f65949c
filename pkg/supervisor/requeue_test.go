package supervisor

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// requeue makes the job look as sacct shows a requeued job: the newest
// instance, PENDING, never started (or REQUEUED for the first seconds).
func (m *memSlurm) requeue(id, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	j.State = slurm.ParseState(state)
	if state == "PENDING" {
		j.Start = time.Time{}
	}
}

func TestJobRequeuedIsReportedOnce(t *testing.T) {
	tests := []struct {
		name   string
		states []string // what sacct shows after the job ran
		want   int
	}{
		{"requeued, then pending", []string{"REQUEUED", "PENDING", "PENDING"}, 1},
		{"pending again at once (no -D)", []string{"PENDING", "PENDING"}, 1},
		{"requeued twice", []string{"REQUEUED", "PENDING", "RUNNING", "PENDING"}, 2},
		{"still running", []string{"RUNNING", "RUNNING"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "d20")
			id := r.slurm.add("d20-ckpt", "RUNNING", "")
			r.tick()
			r.checkpoint("d20", 1000, 0.9)
			r.tick()
			for _, s := range tt.states {
				r.now = r.now.Add(time.Minute)
				if s == "RUNNING" {
					r.slurm.mu.Lock()
					r.slurm.jobs[id].State, r.slurm.jobs[id].Start = slurm.ParseState("RUNNING"), r.now
					r.slurm.mu.Unlock()
				} else {
					r.slurm.requeue(id, s)
				}
				r.tick()
			}
			ev := r.events(run.EventJobRequeued)
			if len(ev) != tt.want {
				t.Fatalf("job_requeued logged %d times; want %d", len(ev), tt.want)
			}
			if tt.want > 0 {
				f := ev[0].ContextMap()
				if f[run.FieldJobID] != id || f[run.FieldNewestStep] != int64(1000) {
					t.Errorf("job_requeued fields %v; want job %s, newest_step 1000", f, id)
				}
			}
			if st := r.state("d20"); st.Job == nil || st.Job.ID != id || len(r.slurm.submit) != 0 {
				t.Errorf("after the requeue: job %+v, %d submissions; want the same job followed, nothing submitted", st.Job, len(r.slurm.submit))
			}
		})
	}
}
