package ckpt

import (
	"os"
	"syscall"
)

// FreeBytes is the space left to the user on dir's filesystem, -1 when it
// cannot be told. Project quotas are invisible to statfs; a full quota
// still shows up in a job's log (the disk_quota hint).
func FreeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// UsedBytes is the size of the checkpoint files in dir (names ParseName
// knows; other files are not the run's checkpoints). An unreadable
// directory counts as empty.
func UsedBytes(dir string) int64 {
	var total int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := ParseName(e.Name()); !ok {
			continue
		}
		if fi, err := e.Info(); err == nil {
			total += fi.Size()
		}
	}
	return total
}
