package fakeslurm

import "fmt"

// localCluster is the local cluster's name.
func (e *env) localCluster() string {
	if c := e.getenv(EnvCluster); c != "" {
		return c
	}
	return "lab"
}

// jobCluster is what a job on -M cluster records: "" for the local one.
func (e *env) jobCluster(cluster string) string {
	if cluster == e.localCluster() {
		return ""
	}
	return cluster
}

// knownCluster reports whether -M may name cluster: any name unless
// FAKESLURM_CLUSTERS lists the known ones.
func (e *env) knownCluster(cluster string) bool {
	list := e.getenv(EnvClusters)
	return list == "" || inList(list, cluster) || cluster == e.localCluster()
}

// checkCluster prints what sbatch, squeue and scancel of Slurm 22.05 print
// for a -M that slurmdbd does not know (captured in
// pkg/slurm/testdata/real/sbatch_unknown_cluster.stderr), and returns the
// exit code: 1 then, else 0.
func (e *env) checkCluster(prog, cluster string) int {
	if cluster == "" || e.knownCluster(cluster) {
		return 0
	}
	fmt.Fprintf(e.stderr, "%s: error: No cluster '%s' known by database.\n", prog, cluster)
	fmt.Fprintf(e.stderr, "%s: error: '%s' can't be reached now, or it is an invalid entry for --cluster.  "+
		"Use 'sacctmgr list clusters' to see available clusters.\n", prog, cluster)
	return 1
}
