package supervisor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// memSlurm is an in-memory Slurm for loop tests: jobs live in a map, and
// tests move them between states by hand.
type memSlurm struct {
	mu     sync.Mutex
	now    func() time.Time
	next   int
	jobs   map[string]*slurm.Job
	order  []string
	calls  map[string]int
	submit []slurm.SubmitRequest
	// cluster holds each job's cluster ("" = local); ids are unique across
	// clusters here, but every call only sees its own cluster's jobs.
	cluster map[string]string

	sacctErr, squeueErr error
	// skipped, when set, comes with every sacct and squeue answer, as
	// pkg/slurm reports rows it could not read.
	skipped *slurm.SkippedRowsError
	// sbatchErr, when set, is returned by the next sbatch; with
	// createAnyway the job is created first (sbatch timed out after
	// slurmctld accepted it).
	sbatchErr    error
	createAnyway bool
	// rejectWith, when set, fails every sbatch with it (a config error).
	rejectWith error
	// panicOn makes sbatch panic for this script.
	panicOn string
}

func newMemSlurm(now func() time.Time) *memSlurm {
	return &memSlurm{now: now, next: 100, jobs: map[string]*slurm.Job{}, calls: map[string]int{}, cluster: map[string]string{}}
}

func (m *memSlurm) add(name, state, comment string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addLocked(name, state, comment)
}

func (m *memSlurm) addLocked(name, state, comment string) string {
	id := fmt.Sprint(m.next)
	m.next++
	now := m.now()
	m.jobs[id] = &slurm.Job{ID: id, RawID: id, Name: name, State: slurm.ParseState(state), Submit: now, Start: now, Comment: comment}
	m.order = append(m.order, id)
	return id
}

func (m *memSlurm) set(id, state, exit string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	j.State = slurm.ParseState(state)
	j.ExitCode, _ = slurm.ParseExitCode(exit)
	j.End = m.now()
}

func (m *memSlurm) count(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[name]
}

func (m *memSlurm) live(name string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, id := range m.order {
		if j := m.jobs[id]; j.Name == name && !j.State.Terminal() {
			ids = append(ids, id)
		}
	}
	return ids
}

// called counts a call, also per cluster as "name@cluster".
func (m *memSlurm) called(name, cluster string) {
	m.calls[name]++
	if cluster != "" {
		m.calls[name+"@"+cluster]++
	}
}

func (m *memSlurm) SacctOn(_ context.Context, cluster string, ids []string) ([]slurm.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.called("sacct", cluster)
	if m.sacctErr != nil {
		return nil, m.sacctErr
	}
	var out []slurm.Job
	for _, id := range ids {
		if j, ok := m.jobs[id]; ok && m.cluster[id] == cluster {
			out = append(out, *j)
		}
	}
	return out, m.skippedErr()
}

func (m *memSlurm) SacctWindowOn(_ context.Context, cluster string, since, until time.Time, names []string) ([]slurm.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.called("sacct_window", cluster)
	if m.sacctErr != nil {
		return nil, m.sacctErr
	}
	var out []slurm.Job
	for _, id := range m.order {
		j := m.jobs[id]
		if m.cluster[id] == cluster && !j.Submit.Before(since) && !j.Submit.After(until) {
			c := *j
			if !c.State.Terminal() {
				c.Comment = "" // like Slurm: the comment shows in sacct only after the end
			}
			out = append(out, c)
		}
	}
	return out, m.skippedErr()
}

func (m *memSlurm) SqueueOn(_ context.Context, cluster string) ([]slurm.QueueEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.called("squeue", cluster)
	if m.squeueErr != nil {
		return nil, m.squeueErr
	}
	var out []slurm.QueueEntry
	for _, id := range m.order {
		j := m.jobs[id]
		if j.State.Terminal() || m.cluster[id] != cluster {
			continue
		}
		out = append(out, slurm.QueueEntry{ID: j.ID, Name: j.Name, State: j.State, Submit: j.Submit, Comment: j.Comment})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, m.skippedErr()
}

// skippedErr is m.skipped as an error: nil when there is none.
func (m *memSlurm) skippedErr() error {
	if m.skipped == nil {
		return nil
	}
	return m.skipped
}

func (m *memSlurm) Submit(_ context.Context, req slurm.SubmitRequest) (slurm.JobRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Like sbatch: -M on the command line, else in the script.
	cluster := req.Cluster
	if cluster == "" {
		cluster = trainer.FlagsCluster(req.Flags)
	}
	if data, err := os.ReadFile(req.Script); err == nil && cluster == "" {
		cluster = trainer.ScriptCluster(data)
	}
	m.called("sbatch", cluster)
	if m.panicOn != "" && req.Script == m.panicOn {
		panic("sbatch exploded")
	}
	m.submit = append(m.submit, req)
	name, comment := "", ""
	if data, err := os.ReadFile(req.Script); err == nil {
		name = trainer.ScriptJobName(data)
	}
	for _, f := range req.Flags {
		if v, ok := strings.CutPrefix(f, "--job-name="); ok {
			name = v
		}
		if v, ok := strings.CutPrefix(f, "--comment="); ok {
			comment = v
		}
	}
	if m.rejectWith != nil {
		return slurm.JobRef{}, m.rejectWith
	}
	if err := m.sbatchErr; err != nil {
		m.sbatchErr = nil
		if m.createAnyway {
			m.createAnyway = false
			m.cluster[m.addLocked(name, "PENDING", comment)] = cluster
		}
		return slurm.JobRef{}, err
	}
	id := m.addLocked(name, "PENDING", comment)
	m.cluster[id] = cluster
	return slurm.JobRef{ID: id, Cluster: cluster}, nil
}

var errSocketTimeout = &slurm.CommandError{Cmd: "sbatch", ExitCode: 1,
	Stderr: "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation", Err: errors.New("exit status 1")}

var errInvalidPartition = &slurm.CommandError{Cmd: "sbatch", ExitCode: 1,
	Stderr: "sbatch: error: Batch job submission failed: Invalid partition name specified", Err: errors.New("exit status 1")}

func (m *memSlurm) ScancelOn(_ context.Context, job slurm.JobRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.called("scancel", job.Cluster)
	if j, ok := m.jobs[job.ID]; ok && !j.State.Terminal() && m.cluster[job.ID] == job.Cluster {
		j.State = slurm.ParseState("CANCELLED by 1000")
		j.End = m.now()
	}
	return nil
}
