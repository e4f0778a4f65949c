package lease

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// childDirEnv makes the test binary a child that holds the lease in the
// named directory until its stdin closes.
const childDirEnv = "LEASE_TEST_HOLD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(holdLease(dir))
	}
	os.Exit(m.Run())
}

func holdLease(dir string) int {
	l, err := Acquire(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	if err := l.Release(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// startHolder starts a child holding the lease in dir and waits until it
// holds it. Closing the returned writer makes the child release and exit.
func startHolder(t *testing.T, dir string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("holder child did not start: %q", line)
	}
	return cmd, stdin
}

// exitedPID returns the pid of a child that has exited and been reaped.
func exitedPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func writeLease(t *testing.T, dir string, h Holder) {
	t.Helper()
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LeaseFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// onDisk is the holder lease.json names; found is false when there is no
// lease file. An unreadable or corrupt one fails the test.
func onDisk(t *testing.T, dir string) (h Holder, found bool) {
	t.Helper()
	h, corrupt, err := readLease(filepath.Join(dir, LeaseFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Holder{}, false
	}
	if err = errors.Join(err, corrupt); err != nil {
		t.Fatal(err)
	}
	return h, true
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
		t.Errorf("mode of %s = %v, want %v", filepath.Base(path), got, want)
	}
}

// The flock held by another process refuses us even before the lease file
// is read, and still does when the lease file is gone.
func TestFlockHeldByChildProcess(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	cmd, stdin := startHolder(t, dir)

	_, err := Acquire(dir, Options{})
	wantHeld(t, err, host, cmd.Process.Pid)

	path := filepath.Join(dir, LeaseFile)
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, Options{})
	wantHeld(t, err, "", 0)
	if err := os.Rename(path+".moved", path); err != nil {
		t.Fatal(err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("holder child: %v", err)
	}
	acquireT(t, dir, Options{})
}

// A holder killed without Release leaves lease.json naming it; the kernel
// dropped its flock, and its pid is dead on this host, so the lease is
// taken over at once.
func TestKilledHolderIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	cmd, _ := startHolder(t, dir)
	pid := cmd.Process.Pid
	cmd.Process.Kill()
	cmd.Wait()
	l := acquireT(t, dir, Options{})
	if got := heldBy(l).PID; got != os.Getpid() {
		t.Errorf("holder pid = %d, want ours", got)
	}
	if stale, _, err := readLease(filepath.Join(dir, StaleFile)); err != nil || stale.PID != pid {
		t.Errorf("%s = %+v, %v; want the killed child's pid %d", StaleFile, stale, err, pid)
	}
}
