package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	"go.uber.org/zap"
)

// TestJournalRealRecord sends one debug record to the machine's journal and
// reads it back with journalctl, to check the fields as journald stores
// them. It runs where a journal is reachable (skipping elsewhere) and fails
// without one when NSV_REQUIRE_JOURNAL=1 (CI, with systemd-journald
// started).
func TestJournalRealRecord(t *testing.T) {
	_, lookErr := exec.LookPath("journalctl")
	if !journal.Enabled() || lookErr != nil {
		if os.Getenv("NSV_REQUIRE_JOURNAL") == "1" {
			t.Fatal("NSV_REQUIRE_JOURNAL=1 but no journal socket or no journalctl")
		}
		t.Skip("no systemd journal here (set NSV_REQUIRE_JOURNAL=1 to require one)")
	}
	var b [8]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	log := newJournalLogger(os.Stderr, journal.Send)
	log.Debug("job_resubmitted", zap.String("run", "journal-test"), zap.String("new_job_id", "4907"),
		zap.Int("attempt", 2), zap.String("nsv_test_record", id))

	got := readJournal(t, "NSV_TEST_RECORD="+id)
	want := map[string]string{
		"RUN": "journal-test", "NEW_JOB_ID": "4907", "ATTEMPT": "2", "EVENT": "job_resubmitted",
		"PRIORITY": "7", "SYSLOG_IDENTIFIER": "nanosupervisord",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if !strings.HasPrefix(got["MESSAGE"], "job_resubmitted run=journal-test ") {
		t.Errorf("MESSAGE: got %q", got["MESSAGE"])
	}
}

// readJournal polls journalctl until the record matching the filter
// appears: journald may take a moment to write it.
func readJournal(t *testing.T, filter string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, "journalctl", "--no-pager", "-o", "json", filter).Output()
		cancel()
		if err == nil && len(strings.TrimSpace(string(out))) > 0 {
			line := strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
			// Values are strings, or arrays for binary and repeated
			// fields; only the strings matter here.
			var raw map[string]any
			if err := json.Unmarshal([]byte(line), &raw); err != nil {
				t.Fatalf("journalctl -o json: %v\n%s", err, line)
			}
			rec := map[string]string{}
			for k, v := range raw {
				if s, ok := v.(string); ok {
					rec[k] = s
				}
			}
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s never appeared in journalctl (last error %v)", filter, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
