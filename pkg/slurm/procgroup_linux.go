//go:build linux

package slurm

import (
	"os/exec"
	"syscall"
)

// startInOwnGroup makes the child the leader of a new process group and
// makes cancellation kill that whole group: Slurm commands are small, but a
// wrapper script (site modules, a fake in tests) may have children that
// would otherwise survive the kill and keep the pipes open.
//
// The child is also killed when the daemon dies (Pdeathsig). An sbatch
// orphaned by a daemon killed with -9 could otherwise go on retrying for
// minutes and create its job after the restarted daemon has concluded
// that the submission never happened, and submitted again: two live jobs
// for one run.
func startInOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
