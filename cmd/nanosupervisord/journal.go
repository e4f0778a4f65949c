package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// journalIdentifier is SYSLOG_IDENTIFIER: what journalctl -t and the
// default output show as the program.
const journalIdentifier = "nanosupervisord"

// journalWanted reports whether events should go to the journal natively:
// systemd connected our stderr to the journal (JOURNAL_STREAM names
// stderr's device and inode, so a variable merely inherited by a program
// started from a service with stderr redirected does not count) and the
// journal's socket accepts records.
func journalWanted() bool {
	if os.Getenv("JOURNAL_STREAM") == "" {
		return false
	}
	ok, err := journal.StderrIsJournalStream()
	return ok && err == nil && journal.Enabled()
}

// newJournalLogger logs every entry as one journal record with native
// fields (RUN=d20, JOB_ID=..., EVENT=job_resubmitted), so that
// `journalctl --user -u nanosupervisord RUN=d20` selects a run. An entry
// the journal refuses is written as a JSON line to fallback instead of
// being lost. send is journal.Send, or a test's record of what would be
// sent.
func newJournalLogger(fallback io.Writer, send func(string, journal.Priority, map[string]string) error) *zap.Logger {
	return zap.New(&journalCore{
		LevelEnabler: zapcore.DebugLevel,
		send:         send,
		fallback:     streamCore(fallback, logJSON),
	})
}

// journalCore is a zapcore.Core writing to the systemd journal.
type journalCore struct {
	zapcore.LevelEnabler
	send     func(string, journal.Priority, map[string]string) error
	fields   []zapcore.Field // added by With
	fallback zapcore.Core
}

func (c *journalCore) With(fs []zapcore.Field) zapcore.Core {
	clone := *c
	clone.fields = append(slices.Clip(c.fields), fs...)
	clone.fallback = c.fallback.With(fs)
	return &clone
}

func (c *journalCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *journalCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range slices.Concat(c.fields, fs) {
		f.AddTo(enc)
	}
	msg, vars := journalRecord(e.Message, enc.Fields)
	if err := c.send(msg, journalPriority(e.Level), vars); err != nil {
		if ferr := c.fallback.Write(e, fs); ferr != nil {
			return errors.Join(fmt.Errorf("journal: %w", err), ferr)
		}
	}
	return nil
}

func (c *journalCore) Sync() error { return c.fallback.Sync() }

func journalPriority(l zapcore.Level) journal.Priority {
	switch {
	case l <= zapcore.DebugLevel:
		return journal.PriDebug
	case l >= zapcore.DPanicLevel:
		return journal.PriCrit
	}
	return []journal.Priority{journal.PriInfo, journal.PriWarning, journal.PriErr}[l]
}

// journalReserved are names the record sets itself or that journald gives
// a meaning; an event field of that name is kept under FIELD_<name>
// rather than overriding them.
var journalReserved = []string{
	"MESSAGE", "MESSAGE_ID", "PRIORITY", "EVENT", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID",
	"SYSLOG_TIMESTAMP", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO", "LOGGER", "STACK", "TID", "DOCUMENTATION",
}

// journalFieldName turns an event field key into a journal field name:
// upper case, [A-Z0-9_] only, not starting with "_" (trusted fields) or a
// digit, at most 64 bytes (journald's rules). "" when nothing is left.
func journalFieldName(key string) string {
	name := strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToUpper(key)), "_")
	if name != "" && (name[0] >= '0' && name[0] <= '9' || slices.Contains(journalReserved, name)) {
		name = "FIELD_" + name
	}
	return name[:min(len(name), 64)]
}

// journalValue renders a field value: strings as they are, times and
// durations as people read them, anything else as JSON (lists, numbers),
// and what JSON cannot hold (NaN) as Go prints it.
func journalValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case time.Duration:
		return v.String()
	case error:
		return v.Error()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// journalRecord is an event's MESSAGE and fields. MESSAGE, the only text
// journalctl shows by default, is the event name and then its fields as
// key=value, run first, so that a plain `journalctl -u nanosupervisord`
// reads like the decision log. The fields are every event field under its
// journal name, the bare event name in EVENT for filtering, and the
// program. (The logger records no caller, name or stack: zap.New is given
// no options for them.)
func journalRecord(event string, fields map[string]any) (string, map[string]string) {
	msg := []string{event}
	vars := map[string]string{"EVENT": event, "SYSLOG_IDENTIFIER": journalIdentifier}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		v := journalValue(fields[k])
		if name := journalFieldName(k); name != "" {
			vars[name] = v
		}
		if v == "" || strings.ContainsAny(v, " \t\n=") || strings.HasPrefix(v, `"`) {
			v = strconv.Quote(v)
		}
		if k == "run" {
			msg = slices.Insert(msg, 1, k+"="+v)
		} else {
			msg = append(msg, k+"="+v)
		}
	}
	return strings.Join(msg, " "), vars
}
