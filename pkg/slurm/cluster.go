package slurm

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// Several clusters: on sites like UPPMAX the GPU nodes are another Slurm
// cluster, reached from the login node with -M (--clusters) through the
// shared slurmdbd. Job ids of different clusters overlap, so a job is named
// by its id and its cluster together, and every command about it must carry
// the same -M. The empty cluster is the local one (no -M at all).

// JobRef names one job: its id as sbatch printed it and the cluster it was
// submitted to ("" for the local cluster).
type JobRef struct {
	ID      string `json:"id"`
	Cluster string `json:"cluster,omitempty"`
}

// String is "123" on the local cluster and "123;snowy" elsewhere, the form
// sbatch --parsable prints.
func (r JobRef) String() string {
	if r.Cluster == "" {
		return r.ID
	}
	return r.ID + ";" + r.Cluster
}

// OnCluster puts -M cluster in front of args; the local cluster ("") gets
// args unchanged. Only one cluster is ever named: with -M a,b, sacct and
// squeue print rows of both with nothing to tell them apart.
func OnCluster(cluster string, args []string) []string {
	if cluster == "" {
		return args
	}
	return append([]string{"-M", cluster}, args...)
}

// CheckCluster accepts "" (the local cluster) and one cluster name; it
// rejects lists ("a,b"), names that could be read as options, and spaces.
func CheckCluster(cluster string) error {
	if cluster == "" {
		return nil
	}
	if !isClusterName(cluster) || cluster[0] == '-' || strings.ContainsAny(cluster, ",|") {
		return fmt.Errorf("%q is not one cluster name", truncate(cluster, 64))
	}
	return nil
}

// SacctOn is Sacct on the given cluster.
func (c *Client) SacctOn(ctx context.Context, cluster string, ids []string) ([]Job, error) {
	if err := CheckCluster(cluster); err != nil {
		return nil, fmt.Errorf("sacct: %w", err)
	}
	return c.sacctIDs(ctx, cluster, ids)
}

// SacctWindowOn is SacctWindow on the given cluster.
func (c *Client) SacctWindowOn(ctx context.Context, cluster string, since, until time.Time, names []string) ([]Job, error) {
	if err := CheckCluster(cluster); err != nil {
		return nil, fmt.Errorf("sacct window: %w", err)
	}
	return c.sacctWindow(ctx, cluster, since, until, names)
}

// SqueueOn is Squeue on the given cluster.
func (c *Client) SqueueOn(ctx context.Context, cluster string) ([]QueueEntry, error) {
	if err := CheckCluster(cluster); err != nil {
		return nil, fmt.Errorf("squeue: %w", err)
	}
	return c.squeue(ctx, cluster)
}

// ScancelOn is Scancel of a job on the given cluster.
func (c *Client) ScancelOn(ctx context.Context, job JobRef) error {
	if err := CheckCluster(job.Cluster); err != nil {
		return fmt.Errorf("scancel: %w", err)
	}
	return c.scancel(ctx, job)
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
	cmd := Command{Name: "sbatch", Args: SbatchArgs(req), Dir: req.Dir, Env: req.Env, Drop: req.DropEnv}
	stdout, _, err := c.runner().Run(ctx, cmd)
	if err != nil {
		return JobRef{}, fmt.Errorf("sbatch %s: %w", req.Script, err)
	}
	job, err := ParseSbatchJob(stdout)
	if err != nil {
		return JobRef{}, fmt.Errorf("sbatch %s: %w", req.Script, err)
	}
	return job, nil
}

// clusterHeader starts the line squeue prints before each cluster's rows
// when it is asked with -M and without --noheader ("CLUSTER: snowy").
var clusterHeader = []byte("CLUSTER: ")

// dropClusterHeaders removes squeue's "CLUSTER: name" lines. The rows that
// follow are those of the one cluster the call named.
func dropClusterHeaders(out []byte) []byte {
	if !bytes.Contains(out, clusterHeader) {
		return out
	}
	var kept []byte
	for len(out) > 0 {
		line, rest, found := bytes.Cut(out, []byte{'\n'})
		out = rest
		if bytes.HasPrefix(line, clusterHeader) {
			continue
		}
		kept = append(kept, line...)
		if found {
			kept = append(kept, '\n')
		}
	}
	return kept
}
