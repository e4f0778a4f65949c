package ledger

import (
	"bytes"
	"testing"
)

// FuzzReadJournal feeds arbitrary bytes to the journal reader: it must never fail
// or panic on content, and every non-blank line must come out either as a
// record or as a Problem with the right line number.
func FuzzReadJournal(f *testing.F) {
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z","run":"d20","event":"job_resubmitted","fields":{"job_id":"1"}}` + "\n"))
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z","event":"a","state":{"x":[1,2]}}` + "\n" + `{"time":"2026-03-01T12:0`))
	f.Add([]byte("garbage\n\n  \n{}\n{\"event\":\"x\"}\n"))
	f.Add([]byte(`{"time":"2026-03-01T12:00:00Z","event":"a"}{"time":"2026-03-01T12:00:00Z","event":"b"}` + "\r\n"))
	f.Add([]byte("\xff\xfe\x00\n{\"time\":\"bad\",\"event\":\"e\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		seen := map[int]bool{}
		problems, err := scanJournal(bytes.NewReader(data), JournalFile, func(line int, r Record) error {
			if r.Event == "" || r.Time.IsZero() {
				t.Errorf("line %d: record without event or time passed to fn: %+v", line, r)
			}
			seen[line] = true
			return nil
		})
		if err != nil {
			t.Fatalf("ReadJournal: %v", err)
		}
		for _, p := range problems {
			if seen[p.Line] {
				t.Errorf("line %d is both a record and a problem", p.Line)
			}
			if len(p.Text) > maxProblemText {
				t.Errorf("problem text has %d bytes, want at most %d", len(p.Text), maxProblemText)
			}
			seen[p.Line] = true
		}
		for i, line := range bytes.Split(data, []byte{'\n'}) {
			if got, want := seen[i+1], len(bytes.TrimSpace(bytes.TrimRight(line, "\r"))) > 0; got != want {
				t.Errorf("line %d (%q) accounted for = %v, want %v", i+1, line, got, want)
			}
		}
	})
}
