//go:build unix

package notify

import (
	"os/exec"
	"syscall"
)

// killProcessGroup runs the command in its own process group and, on
// timeout, kills the whole group: a shell script's children go too.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
