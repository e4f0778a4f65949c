//go:build unix && !linux

package slurm

import (
	"os/exec"
	"syscall"
)

// startInOwnGroup makes the child the leader of a new process group and
// makes cancellation kill that whole group: Slurm commands are small, but a
// wrapper script (site modules, a fake in tests) may have children that
// would otherwise survive the kill and keep the pipes open.
func startInOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
