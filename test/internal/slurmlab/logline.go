package slurmlab

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// LogLine is one JSON log line of nanosupervisord: the message is the
// event's name, every key but the logger's own is a field of the event.
type LogLine struct {
	Event  string
	Level  string
	Time   time.Time
	Fields map[string]any
}

// tsLayout is zap's ISO8601TimeEncoder.
const tsLayout = "2006-01-02T15:04:05.000Z0700"

// ParseLogLine reads one line of the daemon's stderr; an error means the
// line is not JSON (an error exit, a panic).
func ParseLogLine(line string) (LogLine, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return LogLine{}, err
	}
	l := LogLine{Fields: map[string]any{}}
	for k, v := range m {
		switch k {
		case "event":
			l.Event, _ = v.(string)
		case "level":
			l.Level, _ = v.(string)
		case "ts":
			s, _ := v.(string)
			l.Time, _ = time.Parse(tsLayout, s)
		default:
			l.Fields[k] = v
		}
	}
	return l, nil
}

// FieldText is a field's value as text: strings as they are, whole
// numbers without a decimal point, anything else as JSON; "" when absent.
func FieldText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprint(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
