package main

import (
	"io"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func logFlag(c *cobra.Command, format *string) {
	c.Flags().StringVar(format, "log-format", "json", "log format on stderr: json or console")
}

// newLogger writes events to w: JSON lines by default (one per decision,
// the message is the event name), or a console layout for humans.
func newLogger(w io.Writer, format string) *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "ts"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	enc.MessageKey = "event"
	var e zapcore.Encoder
	if format == "console" {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		e = zapcore.NewConsoleEncoder(enc)
	} else {
		e = zapcore.NewJSONEncoder(enc)
	}
	core := zapcore.NewCore(e, zapcore.AddSync(w), zapcore.DebugLevel)
	return zap.New(core)
}
