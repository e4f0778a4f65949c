package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// daemonProc is one `nanosupervisord run` process. Its stderr lines go to
// the scenario's event log as they arrive.
type daemonProc struct {
	n      int
	cmd    *exec.Cmd
	cancel context.CancelFunc
	done   chan struct{} // closed once stderr is drained and the process reaped

	mu       sync.Mutex
	exitCode int
	waitErr  error
	stdout   bytes.Buffer
}

// daemonLifetime bounds every daemon process, whatever the test does.
const daemonLifetime = 10 * time.Minute

// startDaemon starts `nanosupervisord run --config F --log-format=json
// --exit-when-done` (plus extra arguments) for the scenario.
func (s *scenario) startDaemon(extra ...string) *daemonProc {
	s.t.Helper()
	s.daemons++
	ctx, cancel := context.WithTimeout(context.Background(), daemonLifetime)
	args := append([]string{"run", "--config", s.configPath, "--log-format=json", "--exit-when-done"}, extra...)
	d := &daemonProc{n: s.daemons, cancel: cancel, done: make(chan struct{}), exitCode: -1}
	d.cmd = exec.CommandContext(ctx, suite.daemonBin, args...)
	d.cmd.Dir = s.dir
	d.cmd.Stdout = &lockedWriter{mu: &d.mu, w: &d.stdout}
	d.cmd.WaitDelay = 5 * time.Second
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		cancel()
		s.t.Fatalf("daemon stderr: %v", err)
	}
	if err := d.cmd.Start(); err != nil {
		cancel()
		s.t.Fatalf("start %s: %v", suite.daemonBin, err)
	}
	s.logf("daemon %d started: pid %d", d.n, d.cmd.Process.Pid)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			s.events.add(parseEvent(sc.Text(), d.n))
		}
		err := d.cmd.Wait()
		d.mu.Lock()
		d.waitErr = err
		d.exitCode = d.cmd.ProcessState.ExitCode()
		d.mu.Unlock()
		close(d.done)
	}()
	s.daemon = d
	return d
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func (d *daemonProc) alive() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// code is the exit code once the process has ended (-1 for a signal).
func (d *daemonProc) code() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.exitCode
}

func (d *daemonProc) describe() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.waitErr == nil && d.exitCode == 0 {
		return "exit 0"
	}
	return d.waitErr.Error()
}

// waitExit waits for the daemon to exit on its own and returns its code.
func (s *scenario) waitExit(d *daemonProc, timeout time.Duration) int {
	s.t.Helper()
	select {
	case <-d.done:
		return d.code()
	case <-time.After(timeout):
		s.t.Fatalf("daemon %d still running %v after it should have exited", d.n, timeout)
		return -1
	}
}

// stop ends the daemon the way a user does (SIGTERM), then kills it if it
// does not go. Safe to call on an ended daemon.
func (d *daemonProc) stop() {
	if !d.alive() {
		d.cancel()
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
	d.cancel()
}

// kill9 kills the daemon with SIGKILL, as a crash or an OOM killer would.
func (d *daemonProc) kill9(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Kill(); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("kill -9 daemon %d: %v", d.n, err)
	}
	<-d.done
	d.cancel()
}
