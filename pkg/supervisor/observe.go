package supervisor

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// SlurmAPI is what the loop asks of Slurm, on one cluster per call (""
// is the local one). *slurm.Client implements it; tests use fakes.
type SlurmAPI interface {
	SacctOn(ctx context.Context, cluster string, ids []string) ([]slurm.Job, error)
	SacctWindowOn(ctx context.Context, cluster string, since, until time.Time, names []string) ([]slurm.Job, error)
	SqueueOn(ctx context.Context, cluster string) ([]slurm.QueueEntry, error)
	Submit(ctx context.Context, req slurm.SubmitRequest) (slurm.JobRef, error)
	ScancelOn(ctx context.Context, job slurm.JobRef) error
}

// slurmSnapshot is what Slurm said in one pass, for all runs at once, by
// cluster: per cluster one sacct call for every tracked job, at most one
// squeue and one windowed sacct, and only when some run needs them. Job ids
// of different clusters overlap, so nothing is looked up without its
// cluster.
type slurmSnapshot map[string]clusterSnapshot

// clusterSnapshot is what one cluster said in the pass (zero when nothing
// was asked of it): sacct's rows by job id, and a SlurmView of the whole
// cluster, before view cuts it down to one run.
type clusterSnapshot struct {
	run.SlurmView
	jobs map[string]slurm.Job
}

// observeCluster is the cluster where a run's queue and window are looked
// at: that of a submission still being resolved, else that of the job
// being followed (the configured cluster may have changed since it was
// submitted), else the configured one.
func observeCluster(rc runConfig, st run.RunState) string {
	switch {
	case st.Intent != nil:
		return st.Intent.Cluster
	case st.Job != nil && !st.Job.Handled:
		return st.Job.Cluster
	}
	return rc.spec.Cluster
}

// observeSlurm asks Slurm what the given runs need (slurmSnapshot).
func (s *Supervisor) observeSlurm(ctx context.Context, api SlurmAPI, now time.Time, runs []runConfig, states map[string]run.RunState) slurmSnapshot {
	snap := slurmSnapshot{}
	ids := map[string][]string{}
	for _, rc := range runs {
		if j := states[rc.spec.Name].Job; j != nil && !j.Handled {
			ids[j.Cluster] = append(ids[j.Cluster], j.ID)
		}
	}
	for _, cl := range slices.Sorted(maps.Keys(ids)) {
		jobs, err := api.SacctOn(ctx, cl, ids[cl])
		c := clusterSnapshot{SlurmView: run.SlurmView{SacctErr: s.keepSkippedRows(err)}, jobs: map[string]slurm.Job{}}
		for _, j := range jobs {
			c.jobs[j.ID] = j
		}
		snap[cl] = c
	}

	needQueue := map[string]bool{} // by cluster, every one where a run needs squeue or a window
	since := map[string]time.Time{}
	for _, rc := range runs {
		st := states[rc.spec.Name]
		q, w := run.Needs(rc.spec, st, snap.jobRow(st.Job), now)
		cl := observeCluster(rc, st)
		if q || !w.IsZero() {
			needQueue[cl] = needQueue[cl] || q
		}
		if !w.IsZero() && (since[cl].IsZero() || w.Before(since[cl])) {
			since[cl] = w
		}
	}
	for _, cl := range slices.Sorted(maps.Keys(needQueue)) {
		c := snap[cl]
		if needQueue[cl] {
			c.QueueAsked = true
			queue, err := api.SqueueOn(ctx, cl)
			c.Queue, c.QueueErr = queue, s.keepSkippedRows(err)
		}
		if w := since[cl]; !w.IsZero() {
			c.WindowAsked = true
			window, err := api.SacctWindowOn(ctx, cl, w, now, nil)
			c.Window, c.WindowErr = window, s.keepSkippedRows(err)
		}
		snap[cl] = c
	}
	return snap
}

// jobRow is sacct's row of the job in this pass, nil when there is none.
func (snap slurmSnapshot) jobRow(j *run.JobRecord) *slurm.Job {
	if j == nil {
		return nil
	}
	row, ok := snap[j.Cluster].jobs[j.ID]
	if !ok {
		return nil
	}
	return &row
}

// view cuts the pass's snapshot down to one run: its job's row from the
// job's cluster, the queue and window from the cluster it submits to.
func (snap slurmSnapshot) view(rc runConfig, st run.RunState) run.SlurmView {
	cl := observeCluster(rc, st)
	c := snap[cl]
	v := run.SlurmView{Cluster: cl, QueueAsked: c.QueueAsked, QueueErr: c.QueueErr,
		WindowAsked: c.WindowAsked, WindowErr: c.WindowErr}
	j := st.Job
	if j != nil {
		v.SacctErr = snap[j.Cluster].SacctErr
		v.Job = snap.jobRow(j)
	}
	sameCluster := j != nil && j.Cluster == cl
	for _, e := range c.Queue {
		if rc.belongs(e.Name, e.Comment) || (sameCluster && e.ID == j.ID) {
			v.Queue = append(v.Queue, e)
		}
	}
	for _, w := range c.Window {
		if rc.belongs(w.Name, w.Comment) || w.Name == "allocation" {
			v.Window = append(v.Window, w)
		}
	}
	return v
}

// jobGone reports whether the job has provably ended in this pass: sacct
// says it is over and squeue of its cluster, asked, no longer lists it as
// live. Nothing of the job can be writing checkpoints any more.
func (snap slurmSnapshot) jobGone(j *run.JobRecord) bool {
	if j == nil || j.Handled {
		return j != nil
	}
	c := snap[j.Cluster]
	row, ok := c.jobs[j.ID]
	if !ok || !row.State.Terminal() || !c.QueueAsked || c.QueueErr != nil {
		return false
	}
	for _, e := range c.Queue {
		if e.ID == j.ID && !e.State.Terminal() {
			return false
		}
	}
	return true
}

// firstErr is the first error any cluster gave in the pass, and whether
// any cluster was asked anything at all.
func (snap slurmSnapshot) firstErr() (err error, asked bool) {
	for _, name := range slices.Sorted(maps.Keys(snap)) {
		c := snap[name]
		asked = asked || len(c.jobs) > 0 || c.SacctErr != nil || c.QueueAsked || c.WindowAsked
		for _, e := range []error{c.SacctErr, c.QueueErr, c.WindowErr} {
			if err == nil && e != nil {
				err = e
			}
		}
	}
	return err, asked
}
