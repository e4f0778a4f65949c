package slurmlab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Two advisory locks (flock) in os.TempDir() keep the real-Slurm test
// packages out of each other's way on a shared cluster, across processes:
// `go test ./...` runs packages in parallel, and colleagues run the suites
// on the same machine.
//
//   - The outage lock is held, exclusively, by whoever stops a Slurm daemon,
//     for as long as it is down: two outages at once would spoil both tests.
//   - The users lock is held, shared, by a suite whose tests cannot stand a
//     Slurm daemon going away under them (test/integration, for its whole
//     run). A test that wants to stop a daemon of its own accord and can
//     just as well do it later takes it exclusively without waiting, and
//     leaves the daemon alone when it cannot.
const (
	outageLockName = "nsv-integration-outage.lock"
	usersLockName  = "nsv-slurm-users.lock"
)

// LockOutages waits (up to five minutes) for the outage lock and holds it
// until the test ends.
func LockOutages(t testing.TB) {
	t.Helper()
	f, err := openLock(outageLockName)
	if err != nil {
		t.Fatalf("outage lock: %v", err)
	}
	start := time.Now()
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Since(start) > 5*time.Minute {
			f.Close()
			t.Fatalf("outage lock %s: %v (waited %v)", f.Name(), err, time.Since(start).Round(time.Second))
		}
		time.Sleep(time.Second)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Logf("waited %v for another test to finish its Slurm outage", waited.Round(time.Second))
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// ShareCluster takes the users lock shared, for as long as the process
// lives: while it is held, TryOutage fails. It returns an error only when
// the lock file cannot be opened; the lock is then simply not held.
func ShareCluster() error {
	f, err := openLock(usersLockName)
	if err != nil {
		return err
	}
	// Blocks only while some test has a daemon down, which is short.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return fmt.Errorf("users lock %s: %w", f.Name(), err)
	}
	return nil // f stays open, and the lock held, until the process exits
}

// TryOutage takes both locks exclusively, without waiting. It returns a
// release function, or ok false (and why) when a suite that must not be
// disturbed is running or another outage is under way.
func TryOutage() (release func(), ok bool, why string) {
	users, err := openLock(usersLockName)
	if err != nil {
		return nil, false, err.Error()
	}
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		users.Close()
		return nil, false, "a suite that must not be disturbed uses the cluster"
	}
	outage, err := openLock(outageLockName)
	if err != nil {
		users.Close()
		return nil, false, err.Error()
	}
	if err := syscall.Flock(int(outage.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		outage.Close()
		users.Close()
		return nil, false, "another test has a Slurm daemon down"
	}
	return func() { outage.Close(); users.Close() }, true, ""
}

func openLock(name string) (*os.File, error) {
	path := filepath.Join(os.TempDir(), name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	return f, nil
}
