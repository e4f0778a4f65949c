//go:build unix && !linux

package slurm

import (
	"os/exec"
	"syscall"
)

// startInOwnGroup is procgroup_linux.go's without Pdeathsig, which only
// Linux has: cancellation kills the child's whole process group.
func startInOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
