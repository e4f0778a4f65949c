package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	"go.uber.org/zap"
)

// sentRecord is one call of the injected journal.Send.
type sentRecord struct {
	msg  string
	pri  journal.Priority
	vars map[string]string
}

// capture returns a journal logger whose records land in *got; fail makes
// every send fail, as when journald is gone.
func capture(fallback *bytes.Buffer, fail bool) (*zap.Logger, *[]sentRecord) {
	var got []sentRecord
	send := func(msg string, p journal.Priority, vars map[string]string) error {
		got = append(got, sentRecord{msg, p, maps.Clone(vars)})
		if fail {
			return errors.New("could not initialize socket to journald")
		}
		return nil
	}
	return newJournalLogger(fallback, send), &got
}

func TestJournalRecordFields(t *testing.T) {
	log, got := capture(&bytes.Buffer{}, false)
	until := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	log.With(zap.String("run", "d20")).Info("job_resubmitted",
		zap.String("job_id", "4811"), zap.String("new_job_id", "4907"), zap.Int("attempt", 1),
		zap.Int("resume_step", 5000), zap.String("reason", "timeout"), zap.Float64("val_bpb", 0.8123),
		zap.Float64("core_metric", math.NaN()), zap.Strings("hints", []string{"cuda_oom", "python_traceback"}),
		zap.Duration("delay", 90*time.Second), zap.Time("until", until), zap.Bool("progress", true),
		zap.Error(errors.New("sbatch: error: Socket timed out")),
		zap.String("weird-key.x", "v"), zap.String("_private", "p"), zap.String("9lives", "c"),
		zap.String("message", "not the message"), zap.String("___", "dropped"))
	if len(*got) != 1 {
		t.Fatalf("records sent: got %d, want 1", len(*got))
	}
	r := (*got)[0]
	want := map[string]string{
		"RUN": "d20", "JOB_ID": "4811", "NEW_JOB_ID": "4907", "ATTEMPT": "1", "RESUME_STEP": "5000",
		"REASON": "timeout", "VAL_BPB": "0.8123", "CORE_METRIC": "NaN", "HINTS": `["cuda_oom","python_traceback"]`,
		"DELAY": "1m30s", "UNTIL": "2026-03-01T12:30:00Z", "PROGRESS": "true", "ERROR": "sbatch: error: Socket timed out",
		"WEIRD_KEY_X": "v", "PRIVATE": "p", "FIELD_9LIVES": "c", "FIELD_MESSAGE": "not the message",
		"EVENT": "job_resubmitted", "SYSLOG_IDENTIFIER": "nanosupervisord",
	}
	if !maps.Equal(r.vars, want) {
		for k, v := range want {
			if r.vars[k] != v {
				t.Errorf("%s: got %q, want %q", k, r.vars[k], v)
			}
		}
		for k, v := range r.vars {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected field %s=%q", k, v)
			}
		}
	}
	if r.pri != journal.PriInfo {
		t.Errorf("priority: got %d, want %d", r.pri, journal.PriInfo)
	}
	wantMsg := `job_resubmitted run=d20 9lives=c ___=dropped _private=p attempt=1 core_metric=NaN delay=1m30s ` +
		`error="sbatch: error: Socket timed out" hints=["cuda_oom","python_traceback"] job_id=4811 ` +
		`message="not the message" new_job_id=4907 progress=true reason=timeout resume_step=5000 ` +
		`until=2026-03-01T12:30:00Z val_bpb=0.8123 weird-key.x=v`
	if r.msg != wantMsg {
		t.Errorf("MESSAGE:\n got %s\nwant %s", r.msg, wantMsg)
	}
}

func TestJournalPriority(t *testing.T) {
	tests := []struct {
		log  func(*zap.Logger)
		want journal.Priority
	}{
		{func(l *zap.Logger) { l.Debug("e") }, 7},
		{func(l *zap.Logger) { l.Info("e") }, 6},
		{func(l *zap.Logger) { l.Warn("e") }, 4},
		{func(l *zap.Logger) { l.Error("e") }, 3},
		{func(l *zap.Logger) { l.DPanic("e") }, 2},
	}
	for i, tt := range tests {
		log, got := capture(&bytes.Buffer{}, false)
		tt.log(log)
		if len(*got) != 1 || (*got)[0].pri != tt.want {
			t.Errorf("case %d: got %+v, want one record of priority %d", i, *got, tt.want)
		}
	}
}

// TestJournalFallback: an entry the journal refuses still reaches stderr.
func TestJournalFallback(t *testing.T) {
	var stderr bytes.Buffer
	log, got := capture(&stderr, true)
	log.With(zap.String("run", "d24")).Warn("run_backoff", zap.String("reason", "app_failure"))
	if len(*got) != 1 {
		t.Errorf("records tried: got %d, want 1", len(*got))
	}
	line := stderr.String()
	for _, want := range []string{`"event":"run_backoff"`, `"run":"d24"`, `"reason":"app_failure"`, `"level":"warn"`} {
		if !strings.Contains(line, want) {
			t.Errorf("fallback line %q lacks %s", line, want)
		}
	}
}

func TestJournalFieldName(t *testing.T) {
	tests := map[string]string{
		"run": "RUN", "job_id": "JOB_ID", "new_job_id": "NEW_JOB_ID", "core_metric": "CORE_METRIC",
		"a-b.c d": "A_B_C_D", "_x": "X", "__": "", "": "", "2fa": "FIELD_2FA", "priority": "FIELD_PRIORITY",
		"ünïcode": "N_CODE", "event": "FIELD_EVENT", strings.Repeat("k", 80): strings.Repeat("K", 64),
	}
	for key, want := range tests {
		got := journalFieldName(key)
		if got != want {
			t.Errorf("journalFieldName(%q): got %q, want %q", key, got, want)
		}
	}
}

// TestNewLoggerAuto: "auto" writes JSON to any writer but the process's
// own stderr, even under systemd; tests and pipes keep their JSON.
func TestNewLoggerAuto(t *testing.T) {
	t.Setenv("JOURNAL_STREAM", "8:12345")
	var buf bytes.Buffer
	newLogger(&buf, logAuto).Info("run_adopted", zap.String("run", "d20"))
	if got := buf.String(); !strings.Contains(got, `"event":"run_adopted"`) || !strings.Contains(got, `"run":"d20"`) {
		t.Errorf("auto on a buffer: got %q, want a JSON line", got)
	}
}

func TestJournalWanted(t *testing.T) {
	for _, v := range []string{"", "0:0", "garbage"} {
		t.Setenv("JOURNAL_STREAM", v)
		if journalWanted() {
			t.Errorf("JOURNAL_STREAM=%q: journal wanted, but stderr is not that stream", v)
		}
	}
	// Pretend systemd connected stderr: then the answer is whether the
	// journal's socket is there.
	var st syscall.Stat_t
	if err := syscall.Fstat(int(os.Stderr.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JOURNAL_STREAM", fmt.Sprintf("%d:%d", st.Dev, st.Ino))
	if got, want := journalWanted(), journal.Enabled(); got != want {
		t.Errorf("stderr is the journal stream: got journalWanted() %v, want %v (journal.Enabled())", got, want)
	}
}

// TestLogFormatFlag: an unknown --log-format is a usage error (exit 2).
func TestLogFormatFlag(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"tick", "--log-format=xml", "--config", "nosuch.yaml"}, strings.NewReader(""), &out, &errb)
	if code != exitUsage {
		t.Errorf("exit code: got %d, want %d (stderr %q)", code, exitUsage, errb.String())
	}
	if !strings.Contains(errb.String(), `--log-format: got "xml"`) {
		t.Errorf("stderr: got %q, want it to name the bad value", errb.String())
	}
}
