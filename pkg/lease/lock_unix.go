//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package lease

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// errLocked means another open file description holds the flock.
var errLocked = errors.New("lock held")

// flock is syscall.Flock, replaceable in tests to play a filesystem
// without locks.
var flock = syscall.Flock

// lockDir opens dir/lock and takes a non-blocking exclusive flock on it.
// It returns errLocked when someone else holds it, and a nil file and nil
// error when the filesystem has no locks (ENOLCK: an NFS mount without
// lockd; ENOTSUP), in which case the lease file alone decides. Go opens
// files close-on-exec, so the lock is not inherited by sbatch and friends.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("lease: open lock file: %w", err)
	}
	for {
		err = flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, errLocked
	case errors.Is(err, syscall.ENOLCK), errors.Is(err, syscall.ENOTSUP), errors.Is(err, syscall.EOPNOTSUPP):
		f.Close()
		return nil, nil
	default:
		f.Close()
		return nil, fmt.Errorf("lease: flock %s: %w", path, err)
	}
}

// processAlive reports whether pid names a running process on this host.
// Only ESRCH means "not running": EPERM is someone else's live process,
// and any other answer is not proof of death.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false // kill(0 or -n) would address process groups
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
