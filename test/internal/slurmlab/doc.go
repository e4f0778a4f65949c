// Package slurmlab is the equipment shared by the test packages that run
// nanosupervisord against a real Slurm cluster (test/integration,
// test/campaign): finding out whether a cluster answers, building the
// daemon and the simulated trainer, running Slurm's own tools with a time
// limit, and the locks by which those packages keep out of each other's way
// on one shared cluster.
//
// It must never import the daemon's packages: the tests that use it see
// the daemon only as its users do.
package slurmlab
