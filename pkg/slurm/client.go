package slurm

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DefaultMaxIDsPerCall is how many job ids one sacct call carries when
// Client.MaxIDsPerCall is zero. 500 ids of up to 12 characters keep the
// argument list near 6 KB, far below any exec or sacct limit.
const DefaultMaxIDsPerCall = 500

// Client runs Slurm commands through a Runner and parses what they print.
// Every method works on one cluster ("" is the local one, see OnCluster).
// Every error names the command and wraps the cause with %w, so callers
// can use Rejection and SubmitMayHaveCreatedJob on it. SacctOn,
// SacctWindowOn and SqueueOn return the rows they could read together with
// a *SkippedRowsError when some rows could not be read; any other error
// means the call failed and no rows are returned.
type Client struct {
	// Runner runs the commands; nil means an ExecRunner with its defaults.
	Runner Runner
	// MaxIDsPerCall splits long id lists over several sacct calls;
	// 0 means DefaultMaxIDsPerCall.
	MaxIDsPerCall int
}

func (c *Client) run(ctx context.Context, cmd Command) ([]byte, error) {
	r := c.Runner
	if r == nil {
		r = &ExecRunner{}
	}
	stdout, _, err := r.Run(ctx, cmd)
	return stdout, err
}

// SacctOn returns the allocation rows of the given jobs, newest instance
// of each. No ids means no call and no jobs: a sacct without -j would list
// everything since midnight instead. Ids are de-duplicated and sent in
// chunks of MaxIDsPerCall; any failing chunk fails the whole call, so a
// caller never mistakes a missing row for a job sacct does not know.
func (c *Client) SacctOn(ctx context.Context, cluster string, ids []string) ([]Job, error) {
	if err := CheckCluster(cluster); err != nil {
		return nil, fmt.Errorf("sacct: %w", err)
	}
	ids, err := uniqueJobIDs(ids)
	if err != nil {
		return nil, fmt.Errorf("sacct: %w", err)
	}
	size := c.MaxIDsPerCall
	if size <= 0 {
		size = DefaultMaxIDsPerCall
	}
	var all []Job
	skipped := &SkippedRowsError{Cmd: "sacct"}
	for start := 0; start < len(ids); start += size {
		chunk := ids[start:min(start+size, len(ids))]
		jobs, err := c.sacct(ctx, OnCluster(cluster, SacctArgs(chunk)))
		if sk, ok := err.(*SkippedRowsError); ok {
			skipped.Rows = append(skipped.Rows, sk.Rows...)
		} else if err != nil {
			return nil, fmt.Errorf("sacct of %d ids (%s): %w", len(chunk), idRange(chunk), err)
		}
		all = append(all, jobs...)
	}
	// Chunks can overlap when an array id and one of its tasks ("12",
	// "12_1") fall into different chunks.
	all = lastPerID(all, func(j *Job) string { return j.ID })
	if len(skipped.Rows) > 0 {
		return all, skipped
	}
	return all, nil
}

// SacctWindowOn returns the jobs eligible or running between since and
// until, optionally only those with one of the given names.
func (c *Client) SacctWindowOn(ctx context.Context, cluster string, since, until time.Time, names []string) ([]Job, error) {
	if err := CheckCluster(cluster); err != nil {
		return nil, fmt.Errorf("sacct window: %w", err)
	}
	if until.Before(since) {
		return nil, fmt.Errorf("sacct window: end %s is before start %s", FormatTime(until), FormatTime(since))
	}
	jobs, err := c.sacct(ctx, OnCluster(cluster, SacctWindowArgs(since, until, names)))
	if _, ok := err.(*SkippedRowsError); ok {
		return jobs, err
	}
	if err != nil {
		return nil, fmt.Errorf("sacct window %s..%s: %w", FormatTime(since), FormatTime(until), err)
	}
	return jobs, nil
}

func (c *Client) sacct(ctx context.Context, args []string) ([]Job, error) {
	stdout, err := c.run(ctx, Command{Name: "sacct", Args: args})
	if err != nil {
		return nil, err
	}
	return ParseSacct(stdout)
}

// SqueueOn returns the caller's jobs that slurmctld still knows.
func (c *Client) SqueueOn(ctx context.Context, cluster string) ([]QueueEntry, error) {
	if err := CheckCluster(cluster); err != nil {
		return nil, fmt.Errorf("squeue: %w", err)
	}
	stdout, err := c.run(ctx, Command{Name: "squeue", Args: OnCluster(cluster, SqueueArgs())})
	if err != nil {
		return nil, fmt.Errorf("squeue: %w", err)
	}
	return ParseSqueue(stdout)
}

// Submit runs sbatch for req, on req.Cluster when set, and returns the job
// with the cluster sbatch printed: that is also where a -M among req.Flags or
// an #SBATCH --clusters line in the script sent it. After an error, ask
// SubmitMayHaveCreatedJob before submitting again.
func (c *Client) Submit(ctx context.Context, req SubmitRequest) (JobRef, error) {
	if req.Script == "" {
		return JobRef{}, fmt.Errorf("sbatch: no script given")
	}
	if err := CheckCluster(req.Cluster); err != nil {
		return JobRef{}, fmt.Errorf("sbatch %s: %w", req.Script, err)
	}
	stdout, err := c.run(ctx, Command{Name: "sbatch", Args: SbatchArgs(req), Dir: req.Dir, Env: req.Env, Drop: req.DropEnv})
	if err != nil {
		return JobRef{}, fmt.Errorf("sbatch %s: %w", req.Script, err)
	}
	job, err := ParseSbatchJob(stdout)
	if err != nil {
		return JobRef{}, fmt.Errorf("sbatch %s: %w", req.Script, err)
	}
	return job, nil
}

// ScancelOn cancels one job. scancel prints nothing and exits 0 not only on
// success but also for an unknown job id and for a job that has already
// ended, so a nil error does not prove the job was running; read its
// state from sacct. The id is checked first so that it can never be read
// as an option.
func (c *Client) ScancelOn(ctx context.Context, job JobRef) error {
	if err := CheckCluster(job.Cluster); err != nil {
		return fmt.Errorf("scancel: %w", err)
	}
	if err := checkJobID(job.ID); err != nil {
		return fmt.Errorf("scancel: %w", err)
	}
	if _, err := c.run(ctx, Command{Name: "scancel", Args: OnCluster(job.Cluster, []string{job.ID})}); err != nil {
		return fmt.Errorf("scancel %s: %w", job, err)
	}
	return nil
}

// uniqueJobIDs checks every id (a bad one could be read by sacct as an
// option or split into several ids) and drops repeats, keeping order.
func uniqueJobIDs(ids []string) ([]string, error) {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if err := checkJobID(id); err != nil {
			return nil, err
		}
		if strings.Contains(id, ",") {
			return nil, fmt.Errorf("job id %q contains a comma", id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func idRange(ids []string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	return ids[0] + ".." + ids[len(ids)-1]
}
