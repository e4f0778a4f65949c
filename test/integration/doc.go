// Package integration runs nanosupervisord and the simulated trainer
// (nsv-simtrain) against a real Slurm cluster, normally the local one-node
// cluster of deploy/slurm-local, and checks the daemon's decisions against
// what sbatch, sacct and squeue really did: a TIMEOUT in the middle of a
// save, a crash loop, a user's scancel, a rejected sbatch, slurmdbd going
// away and coming back, and the daemon itself being killed.
//
// The tests skip when no cluster answers, and fail instead when
// NSV_REQUIRE_SLURM=1 (CI). They submit real jobs under unique names and
// cancel them on the way out; one of them stops slurmdbd for a while and
// must run as root.
//
// NSV_SLURM_DEPLOY picks the cluster: a directory with its status.sh,
// up.sh and down.sh (default deploy/slurm-local; deploy/slurm24 for Slurm
// 24.11, whose bin/ of command wrappers then goes first on PATH, as
// `make test-slurm24` does).
//
// Nothing here may import the daemon's packages: the tests see the daemon
// only as its users do, through its command line, its JSON log lines, its
// files and Slurm's own tools.
package integration
