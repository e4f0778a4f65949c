//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package lease

import (
	"errors"
	"os"
)

var errLocked = errors.New("lock held")

// lockDir takes no lock where flock does not exist: the lease file alone
// decides.
func lockDir(dir string) (*os.File, error) { return nil, nil }

// processAlive cannot tell here, so it never declares a holder dead; a
// stale lease is then taken over by its heartbeat alone.
func processAlive(pid int) bool { return pid > 0 }
