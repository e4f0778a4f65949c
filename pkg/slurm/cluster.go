package slurm

import (
	"bytes"
	"fmt"
	"strings"
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
	for line := range bytes.Lines(out) {
		if !bytes.HasPrefix(line, clusterHeader) {
			kept = append(kept, line...)
		}
	}
	return kept
}
