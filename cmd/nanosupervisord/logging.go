package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Values of --log-format.
const (
	logAuto    = "auto"    // the journal when systemd connected stderr to it, else json
	logJSON    = "json"    // one JSON line per event on stderr
	logConsole = "console" // a layout for people at a terminal
	logJournal = "journal" // native journal records, whatever stderr is
)

var logFormats = []string{logAuto, logJSON, logConsole, logJournal}

// logFlag adds --log-format and rejects unknown values as a usage error
// before the verb runs.
func logFlag(c *cobra.Command, format *string) {
	c.Flags().StringVar(format, "log-format", logAuto,
		"log format: auto (the systemd journal when stderr is connected to it, else json), json, console or journal")
	prev := c.PreRunE
	c.PreRunE = func(c *cobra.Command, a []string) error {
		if !slices.Contains(logFormats, *format) {
			return usageError{fmt.Errorf("--log-format: got %q, want one of %s", *format, strings.Join(logFormats, ", "))}
		}
		if prev != nil {
			return prev(c, a)
		}
		return nil
	}
}

// newLogger writes events to w: JSON lines by default (one per decision,
// the message is the event name), a console layout for humans, or native
// journal records. "auto" picks the journal only when w is the process's
// own stderr and systemd connected that to the journal; tests and
// redirected runs get JSON.
func newLogger(w io.Writer, format string) *zap.Logger {
	switch format {
	case logJournal:
		return newJournalLogger(w, journal.Send)
	case logAuto:
		if w == io.Writer(os.Stderr) && journalWanted() {
			return newJournalLogger(w, journal.Send)
		}
	}
	return zap.New(streamCore(w, format))
}

// streamCore encodes entries onto a stream: console layout when asked,
// JSON otherwise.
func streamCore(w io.Writer, format string) zapcore.Core {
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "ts"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	enc.MessageKey = "event"
	var e zapcore.Encoder
	if format == logConsole {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		e = zapcore.NewConsoleEncoder(enc)
	} else {
		e = zapcore.NewJSONEncoder(enc)
	}
	return zapcore.NewCore(e, zapcore.AddSync(w), zapcore.DebugLevel)
}
