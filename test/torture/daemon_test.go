package torture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// event is one JSON log line of the daemon (the message is the event
// name).
type event struct {
	At       time.Time
	Name     string
	Run      string
	Tag      string
	JobID    string
	NewJobID string
	Reason   string
}

// killRule decides, for each event the daemon logs, whether to kill it and
// after how long; ok false means not on this event.
type killRule func(e event) (after time.Duration, ok bool)

// daemon is one life of nanosupervisord run.
type daemon struct {
	cmd     *exec.Cmd
	started time.Time
	rule    killRule

	mu       sync.Mutex
	stderr   bytes.Buffer
	events   []event
	killedAt time.Time     // when SIGKILL was sent; zero if not yet
	byEvent  string        // the event that triggered the kill, if any
	killed   chan struct{} // closed when SIGKILL is sent
	readDone chan struct{}
}

// startDaemon starts `nanosupervisord run` with JSON logs on stderr; rule
// (may be nil) kills it on an event. A daemon the test leaves running is
// killed when the test ends.
func (h *harness) startDaemon(t *testing.T, rule killRule) (*daemon, error) {
	cmd := exec.Command(h.daemonBin, "run", "--config", h.config, "--log-format", "json")
	cmd.Env = h.env
	cmd.Dir = h.dir
	cmd.Stdout = io.Discard
	cmd.WaitDelay = 5 * time.Second
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	d := &daemon{cmd: cmd, rule: rule, killed: make(chan struct{}), readDone: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d.started = time.Now()
	go d.read(pipe)
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return d, nil
}

// read collects stderr and applies the kill rule to every event line. It
// kills from this goroutine, so that the kill lands as close as possible
// to the moment the daemon logged the event.
func (d *daemon) read(r io.Reader) {
	defer close(d.readDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		e, isEvent := parseEvent(line)
		d.mu.Lock()
		d.stderr.Write(line)
		d.stderr.WriteByte('\n')
		if isEvent {
			d.events = append(d.events, e)
		}
		armed := d.rule != nil && d.killedAt.IsZero() && d.byEvent == ""
		d.mu.Unlock()
		if !isEvent || !armed {
			continue
		}
		if after, ok := d.rule(e); ok {
			d.mu.Lock()
			d.byEvent = e.Name
			d.mu.Unlock()
			if after <= 0 {
				d.kill()
			} else {
				time.AfterFunc(after, d.kill)
			}
		}
	}
}

func parseEvent(line []byte) (event, bool) {
	if len(line) == 0 || line[0] != '{' {
		return event{}, false
	}
	var raw struct {
		TS       string `json:"ts"`
		Event    string `json:"event"`
		Run      string `json:"run"`
		Tag      string `json:"tag"`
		JobID    any    `json:"job_id"`
		NewJobID any    `json:"new_job_id"`
		Reason   string `json:"reason"`
	}
	if err := json.Unmarshal(line, &raw); err != nil || raw.Event == "" {
		return event{}, false
	}
	at, _ := time.Parse("2006-01-02T15:04:05.000Z0700", raw.TS)
	return event{At: at, Name: raw.Event, Run: raw.Run, Tag: raw.Tag, JobID: anyString(raw.JobID),
		NewJobID: anyString(raw.NewJobID), Reason: raw.Reason}, true
}

func anyString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// kill sends SIGKILL to the daemon (not to its children: they live on,
// as the Slurm commands of a daemon killed with kill -9 do).
func (d *daemon) kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.killedAt.IsZero() {
		return
	}
	d.killedAt = time.Now()
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	close(d.killed)
}

// stop sends SIGTERM: a clean shutdown.
func (d *daemon) stop() error { return d.cmd.Process.Signal(syscall.SIGTERM) }

// wait waits for the process and its stderr. It reports whether the
// daemon died of SIGKILL, and the exit error otherwise.
func (d *daemon) wait() (killed bool, err error) {
	<-d.readDone
	err = d.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, nil
		}
	}
	return false, err
}

// lifetime is how long the daemon lived, up to the kill.
func (d *daemon) lifetime() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.killedAt.IsZero() {
		return time.Since(d.started)
	}
	return d.killedAt.Sub(d.started)
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

func (d *daemon) eventList() []event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]event(nil), d.events...)
}

func (d *daemon) triggeredBy() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byEvent
}

// raceReports returns the data race reports in the daemon's stderr.
func (d *daemon) raceReports() []string {
	return raceReports(d.log())
}

func raceReports(log string) []string {
	var reports []string
	const sep = "=================="
	for rest := log; ; {
		i := strings.Index(rest, "WARNING: DATA RACE")
		if i < 0 {
			return reports
		}
		rest = rest[i:]
		end := strings.Index(rest, sep)
		if end < 0 {
			end = len(rest)
		}
		reports = append(reports, rest[:end])
		rest = rest[end:]
	}
}

// waitEvent waits until the daemon has logged an event named name (for run,
// when run is not "") after the first skip such events, and returns it.
func (d *daemon) waitEvent(name, run string, skip int, timeout time.Duration) (event, error) {
	deadline := time.Now().Add(timeout)
	for {
		seen := 0
		for _, e := range d.eventList() {
			if e.Name == name && (run == "" || e.Run == run) {
				if seen == skip {
					return e, nil
				}
				seen++
			}
		}
		if time.Now().After(deadline) {
			return event{}, fmt.Errorf("no %s event for run %q within %s; log:\n%s", name, run, timeout, tail(d.log(), 15))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
