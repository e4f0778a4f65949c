package supervisor

import (
	"context"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// SlurmAPI is what the loop asks of Slurm. *slurm.Client implements it;
// tests use fakes.
type SlurmAPI interface {
	Sacct(ctx context.Context, ids []string) ([]slurm.Job, error)
	SacctWindow(ctx context.Context, since, until time.Time, names []string) ([]slurm.Job, error)
	Squeue(ctx context.Context) ([]slurm.QueueEntry, error)
	Sbatch(ctx context.Context, req slurm.SubmitRequest) (string, error)
	Scancel(ctx context.Context, jobID string) error
}

// adoptLookback is how far back an ended job is looked for when a run
// with start: adopt has no job yet.
const adoptLookback = 72 * time.Hour

// slurmSnapshot is what Slurm said in one pass, for all runs at once: one
// sacct call for every tracked job, at most one squeue and one windowed
// sacct, and only when some run needs them.
type slurmSnapshot struct {
	sacctErr error
	jobs     map[string]slurm.Job

	queueAsked bool
	queueErr   error
	queue      []slurm.QueueEntry

	windowAsked bool
	windowErr   error
	window      []slurm.Job
}

// observeSlurm asks Slurm what the given runs need, in as few calls as
// possible.
func (s *Supervisor) observeSlurm(ctx context.Context, now time.Time, runs []runConfig, states map[string]RunState) slurmSnapshot {
	var snap slurmSnapshot
	var ids []string
	for _, rc := range runs {
		if j := states[rc.spec.Name].Job; j != nil && !j.Handled {
			ids = append(ids, j.ID)
		}
	}
	snap.jobs = map[string]slurm.Job{}
	if len(ids) > 0 {
		jobs, err := s.slurm.Sacct(ctx, ids)
		snap.sacctErr = s.keepSkippedRows(err)
		for _, j := range jobs {
			snap.jobs[j.ID] = j
		}
	}

	needQueue, since := false, time.Time{}
	for _, rc := range runs {
		st := states[rc.spec.Name]
		q, w := needs(rc, st, snap, now)
		needQueue = needQueue || q
		if !w.IsZero() && (since.IsZero() || w.Before(since)) {
			since = w
		}
	}
	if needQueue {
		snap.queueAsked = true
		queue, err := s.slurm.Squeue(ctx)
		snap.queue, snap.queueErr = queue, s.keepSkippedRows(err)
	}
	if !since.IsZero() {
		snap.windowAsked = true
		window, err := s.slurm.SacctWindow(ctx, since, now, nil)
		snap.window, snap.windowErr = window, s.keepSkippedRows(err)
	}
	return snap
}

// needs says whether a run needs squeue in this pass, and from when it
// needs a windowed sacct (zero: not at all). squeue is skipped while every
// job is plainly running, so a quiet pass costs one sacct call.
func needs(rc runConfig, st RunState, snap slurmSnapshot, now time.Time) (queue bool, since time.Time) {
	if st.isSuccessorIntent() {
		return true, st.Intent.At.Add(-time.Minute)
	}
	if rc.paused(st) || st.Phase.Terminal() {
		// A successor being cancelled is followed in squeue until gone.
		return st.Successor != nil, time.Time{}
	}
	if st.Intent != nil {
		return true, st.Intent.At.Add(-time.Minute)
	}
	j := st.Job
	switch {
	case j == nil:
		if rc.spec.Start == StartAdopt && st.Reason != ReasonOperatorResume {
			return true, now.Add(-adoptLookback)
		}
		return true, time.Time{}
	case j.Handled && st.Reason == ReasonOperatorResume:
		return true, time.Time{}
	case j.Handled:
		// Backing off or about to submit: squeue rules out a twin.
		return !now.Before(st.BackoffUntil), time.Time{}
	}
	row, ok := snap.jobs[j.ID]
	// A pending job's reason is squeue's (sacct says "None"). A run that
	// queues ahead rules out a twin in squeue before queueing.
	queueing := rc.spec.QueueAhead && st.Successor == nil && ok && !row.State.Terminal()
	return !ok || row.State.Terminal() || row.State.Name == slurm.StatePending || queueing, time.Time{}
}

// slurmView cuts the pass's snapshot down to one run.
func (snap slurmSnapshot) view(rc runConfig, st RunState) SlurmView {
	v := SlurmView{SacctErr: snap.sacctErr, QueueAsked: snap.queueAsked, QueueErr: snap.queueErr,
		WindowAsked: snap.windowAsked, WindowErr: snap.windowErr}
	if j := st.Job; j != nil {
		if row, ok := snap.jobs[j.ID]; ok {
			v.Job = &row
		}
	}
	for _, e := range snap.queue {
		if rc.belongs(e.Name, e.Comment) || (st.Job != nil && e.ID == st.Job.ID) {
			v.Queue = append(v.Queue, e)
		}
	}
	for _, j := range snap.window {
		if rc.belongs(j.Name, j.Comment) || j.Name == "allocation" {
			v.Window = append(v.Window, j)
		}
	}
	return v
}

// jobGone reports whether the job has provably ended in this pass: sacct
// says it is over and squeue, asked, no longer lists it as live. Nothing of
// the job can be writing checkpoints any more.
func (snap slurmSnapshot) jobGone(j *JobRecord) bool {
	if j == nil || j.Handled {
		return j != nil
	}
	row, ok := snap.jobs[j.ID]
	if !ok || !row.State.Terminal() || !snap.queueAsked || snap.queueErr != nil {
		return false
	}
	for _, e := range snap.queue {
		if e.ID == j.ID && !e.State.Terminal() {
			return false
		}
	}
	return true
}
