package integration

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// event is one line of the daemon's JSON log. The message key is "event";
// every other key but the logger's own is a field of the event.
type event struct {
	Name   string
	Level  string
	Time   time.Time
	Fields map[string]any
	Raw    string
	Daemon int // which daemon process logged it (1 for the first)
}

// parseEvent reads one log line. Lines that are not JSON (error exits)
// become events named "" so the transcript keeps them.
func parseEvent(line string, daemon int) event {
	e := event{Raw: line, Daemon: daemon, Fields: map[string]any{}}
	if l, err := slurmlab.ParseLogLine(line); err == nil {
		e.Name, e.Level, e.Time, e.Fields = l.Event, l.Level, l.Time, l.Fields
	}
	return e
}

// str is a field as text: strings as they are, whole numbers without a
// decimal point, anything else as JSON.
func (e event) str(key string) string { return slurmlab.FieldText(e.Fields[key]) }

// num is a numeric field; ok is false when it is missing or not a number.
func (e event) num(key string) (float64, bool) {
	v, ok := e.Fields[key].(float64)
	return v, ok
}

// step is an integer field, or -999 when missing: no real step is -999, so
// comparisons with it fail loudly.
func (e event) step(key string) int {
	if v, ok := e.num(key); ok {
		return int(v)
	}
	return -999
}

func (e event) String() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "[d%d %s] %s", e.Daemon, e.Time.Format("15:04:05.000"), e.Name)
	if e.Name == "" {
		b.WriteString(e.Raw)
	}
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, e.str(k))
	}
	return b.String()
}

// eventLog collects the events of every daemon process of a scenario, in
// arrival order. Safe for concurrent use.
type eventLog struct {
	mu      sync.Mutex
	events  []event
	changed chan struct{} // closed and replaced at every append
}

func newEventLog() *eventLog {
	return &eventLog{changed: make(chan struct{})}
}

func (l *eventLog) add(e event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	close(l.changed)
	l.changed = make(chan struct{})
}

// watch returns a channel closed at the next append.
func (l *eventLog) watch() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

func (l *eventLog) all() []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]event(nil), l.events...)
}

// matching returns the events with the given name (any name when empty)
// for which pred (when not nil) holds.
func (l *eventLog) matching(name string, pred func(event) bool) []event {
	var out []event
	for _, e := range l.all() {
		if (name == "" || e.Name == name) && (pred == nil || pred(e)) {
			out = append(out, e)
		}
	}
	return out
}

func (l *eventLog) transcript() string {
	var b strings.Builder
	for _, e := range l.all() {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Predicates on events.

func field(key, want string) func(event) bool {
	return func(e event) bool { return e.str(key) == want }
}

func both(a, b func(event) bool) func(event) bool {
	return func(e event) bool { return a(e) && b(e) }
}

func after(t time.Time) func(event) bool {
	return func(e event) bool { return e.Time.After(t) }
}
