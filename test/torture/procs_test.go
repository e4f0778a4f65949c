package torture

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// processesOf returns the pids of live processes running the executable
// exe, from /proc. The daemon's Slurm calls run the fake under a path of
// their own, so this finds the sbatch a killed daemon left behind.
func processesOf(exe string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// A zombie or a process of another user has no readable exe.
		if target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && target == exe {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitNoProcessesOf waits until no process runs exe.
func waitNoProcessesOf(exe string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pids := processesOf(exe)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v still run %s after %s", pids, exe, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// killProcessesOf SIGKILLs every process running exe, as systemd kills a
// unit's whole control group; it returns how many it signalled.
func killProcessesOf(exe string) int {
	n := 0
	for _, pid := range processesOf(exe) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}
