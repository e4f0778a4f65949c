package campaign

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// event is one JSON log line of the daemon: its name (the message) and
// its fields, with the life of the daemon that logged it.
type event struct {
	Life   int
	Time   time.Time
	Name   string
	Level  string
	Fields map[string]any
}

func (e event) str(key string) string { return slurmlab.FieldText(e.Fields[key]) }

func parseLine(line string, life int) (event, bool) {
	l, err := slurmlab.ParseLogLine(line)
	if err != nil || l.Event == "" {
		return event{}, false
	}
	return event{Life: life, Time: l.Time, Name: l.Event, Level: l.Level, Fields: l.Fields}, true
}

// eventLog holds the events of every life of the daemon, in order.
type eventLog struct {
	mu     sync.Mutex
	events []event
}

func newEventLog() *eventLog { return &eventLog{} }

func (l *eventLog) add(e event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// since returns the events logged from index i on, and the next index.
func (l *eventLog) since(i int) ([]event, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]event(nil), l.events[min(i, len(l.events)):]...), len(l.events)
}

func (l *eventLog) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if e.Name == name {
			n++
		}
	}
	return n
}

// daemonLife is one `nanosupervisord run` process.
type daemonLife struct {
	n    int
	cmd  *exec.Cmd
	done chan struct{}
	// killOnIntent, when set, makes the log reader SIGKILL the daemon the
	// moment it logs submit_intent: the intent is durable, sbatch not run.
	killOnIntent atomic.Bool
	intentKill   atomic.Bool // the kill on intent happened

	mu      sync.Mutex
	killed  bool // by the campaign
	waitErr error
	tail    []string // the last lines of stderr that were not events
}

// startDaemon starts a new life of the daemon with the campaign's config.
func (c *campaign) startDaemon(extra ...string) *daemonLife {
	c.t.Helper()
	c.lives++
	d := &daemonLife{n: c.lives, done: make(chan struct{})}
	args := append([]string{"run", "--config", c.configPath, "--log-format=json"}, extra...)
	d.cmd = exec.Command(lab.DaemonBin, args...)
	d.cmd.Dir = c.dir
	d.cmd.WaitDelay = 5 * time.Second
	// A test binary that dies (go test's -timeout) takes the daemon along.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		c.t.Fatalf("daemon stderr: %v", err)
	}
	if err := d.cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", lab.DaemonBin, err)
	}
	c.t.Cleanup(func() { d.kill() })
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			c.transcribe(d.n, sc.Text())
			e, ok := parseLine(sc.Text(), d.n)
			if !ok {
				d.keep(sc.Text())
				if strings.Contains(sc.Text(), "WARNING: DATA RACE") {
					// The report follows in the transcript.
					c.violate(fmt.Sprintf("race:%d", d.n), "daemon life %d (built with -race) reports a data race", d.n)
				}
				continue
			}
			if e.Name == "submit_intent" && d.killOnIntent.CompareAndSwap(true, false) {
				d.intentKill.Store(true)
				d.kill()
			}
			if e.Level == "error" || e.Level == "fatal" || e.Level == "panic" {
				d.keep(sc.Text())
			}
			c.events.add(e)
		}
		err := d.cmd.Wait()
		d.mu.Lock()
		d.waitErr = err
		d.mu.Unlock()
		close(d.done)
	}()
	c.daemon = d
	c.fig.add("daemon_starts", 1)
	return d
}

func (d *daemonLife) keep(line string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tail = append(d.tail, line)
	if len(d.tail) > 20 {
		d.tail = d.tail[len(d.tail)-20:]
	}
}

func (d *daemonLife) alive() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL to the daemon alone: the Slurm commands it started
// live on, as they do when a daemon in a terminal is killed.
func (d *daemonLife) kill() {
	d.mu.Lock()
	if d.alive() {
		d.killed = true
		_ = d.cmd.Process.Signal(syscall.SIGKILL)
	}
	d.mu.Unlock()
}

// stop ends the daemon with SIGTERM, as a user does, and waits.
func (d *daemonLife) stop() error {
	if !d.alive() {
		return nil
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return d.exit()
	case <-time.After(20 * time.Second):
		d.kill()
		<-d.done
		return errors.New("still running 20s after SIGTERM; killed")
	}
}

// exit is how the daemon ended: nil for exit 0 or a kill by the campaign.
func (d *daemonLife) exit() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.killed || d.waitErr == nil {
		return nil
	}
	return fmt.Errorf("%v; last lines:\n%s", d.waitErr, strings.Join(d.tail, "\n"))
}

// transcribe appends a line of a daemon's stderr to the campaign's
// transcript, events.log, for the post-mortem of a failure.
func (c *campaign) transcribe(life int, line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.transcript == nil {
		return
	}
	fmt.Fprintf(c.transcript, "[%d] %s\n", life, line)
}
