//go:build !unix

package slurm

import "os/exec"

// startInOwnGroup is a no-op where process groups do not exist; the default
// cancellation of os/exec then kills the child alone.
func startInOwnGroup(cmd *exec.Cmd) {}
