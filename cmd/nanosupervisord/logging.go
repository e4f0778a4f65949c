package main

import (
	"io"
	"os"

	"github.com/coreos/go-systemd/v22/journal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Values of --log-format.
const (
	logAuto    = "auto"    // the journal when systemd connected stderr to it, console on a terminal, else json
	logJSON    = "json"    // one JSON line per event on stderr
	logConsole = "console" // a layout for people at a terminal
	logJournal = "journal" // native journal records, whatever stderr is
)

var logFormats = []string{logAuto, logJSON, logConsole, logJournal}

// newLogger writes events to w as JSON lines (the message is the event
// name), a console layout or native journal records. "auto" looks at w
// only when it is the process's own stderr (see autoFormat); tests and
// redirected runs get JSON.
func newLogger(w io.Writer, format string) *zap.Logger {
	if format == logAuto && w == io.Writer(os.Stderr) {
		format = autoFormat(journalWanted(), isTerminal(os.Stderr))
	}
	if format == logJournal {
		return newJournalLogger(w, journal.Send)
	}
	return zap.New(streamCore(w, format))
}

// autoFormat is what --log-format auto means for a stderr connected to the
// journal, or to a terminal, or to neither (a file, a pipe: JSON).
func autoFormat(toJournal, toTerminal bool) string {
	switch {
	case toJournal:
		return logJournal
	case toTerminal:
		return logConsole
	}
	return logJSON
}

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
