package torture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// checkSnapshot: state.json loads, or the journal can rebuild it. Each
// run's snapshot state should be one the journal recorded: the newest, or
// an older one when kills fell between journal appends and the snapshot
// replace (the daemon restores the snapshot, so one such kill can follow
// another). A state the journal never recorded could not be rebuilt from
// it.
//
// It returns the snapshot's run states (nil when there is none).
func (tr *tracker) checkSnapshot(t *testing.T, where string, n int, jv journalView) map[string]json.RawMessage {
	t.Helper()
	runs, found, err := snapshotRuns(tr.h.stateDir)
	if err != nil {
		tr.fig.StateUnreadable++
		t.Logf("%s: state.json unreadable (%v); the journal holds %d runs", where, err, len(jv.states))
		if len(jv.states) == 0 && len(jv.records) > 0 {
			t.Errorf("%s: state.json unreadable and the journal rebuilds no run", where)
		}
		return nil
	}
	if !found {
		return nil
	}
	lag, fresh := 0, false
	for name, all := range jv.rawStates {
		behind, ok := snapshotLag(runs[name], all)
		if !ok {
			tr.fig.SnapshotAhead++
			if tr.fig.SnapshotAhead <= 3 {
				if os.Getenv("NSV_TORTURE_DIR") != "" {
					copyForPostMortem(t, tr.h, n)
				}
				t.Logf("%s: run %s: state.json holds a state the journal never recorded:\n  state.json: %s\n  journal:    %s",
					where, name, stateDiff(runs[name], all[len(all)-1]), stateDiff(all[len(all)-1], runs[name]))
			}
			continue
		}
		lag = max(lag, behind)
		// Behind, and this life journaled for the run: this kill fell
		// between an append and the snapshot that should have followed.
		fresh = fresh || behind > 0 && len(all) > tr.journaled[name]
	}
	for name, all := range jv.rawStates {
		tr.journaled[name] = len(all)
	}
	if fresh {
		tr.fig.SnapshotBehind++
	}
	tr.fig.SnapshotMaxLag = max(tr.fig.SnapshotMaxLag, lag)
	return runs
}

// snapshotIntent is the intent tag of a run's snapshot state, or "".
func snapshotIntent(raw json.RawMessage) string {
	var st struct {
		Intent *struct {
			Tag string `json:"tag"`
		} `json:"intent"`
	}
	if json.Unmarshal(raw, &st) != nil || st.Intent == nil {
		return ""
	}
	return st.Intent.Tag
}

// snapshotLag finds a run's snapshot state among its journaled states
// (oldest first) and returns how many journaled states are newer; ok is
// false when the journal never recorded it. A run missing from the
// snapshot is behind all of them.
func snapshotLag(snap json.RawMessage, journaled []json.RawMessage) (behind int, ok bool) {
	if snap == nil {
		return len(journaled), true
	}
	var b bytes.Buffer
	if err := json.Compact(&b, snap); err != nil {
		return 0, false
	}
	for i := len(journaled) - 1; i >= 0; i-- {
		if bytes.Equal(b.Bytes(), journaled[i]) {
			return len(journaled) - 1 - i, true
		}
	}
	return 0, false
}

// canonical re-encodes a RunState so that both sides have one layout.
func canonical(raw json.RawMessage) []byte {
	var st run.RunState
	if json.Unmarshal(raw, &st) != nil {
		return raw
	}
	out, _ := json.Marshal(st)
	return out
}

// stateDiff lists the top-level fields of a whose values differ in b.
func stateDiff(a, b json.RawMessage) string {
	var ma, mb map[string]json.RawMessage
	_ = json.Unmarshal(canonical(a), &ma)
	_ = json.Unmarshal(canonical(b), &mb)
	var diff []string
	for k, v := range ma {
		if !bytes.Equal(v, mb[k]) {
			diff = append(diff, k+"="+cut(string(v), 200))
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			diff = append(diff, k+" absent")
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, " ")
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// copyForPostMortem copies state.json and the journal as they were after
// kill n (NSV_TORTURE_DIR only).
func copyForPostMortem(t *testing.T, h *harness, n int) {
	t.Helper()
	for _, name := range []string{"state.json", "journal.jsonl"} {
		data, err := os.ReadFile(filepath.Join(h.stateDir, name))
		if err == nil {
			err = os.WriteFile(filepath.Join(h.dir, fmt.Sprintf("kill%03d-%s", n, name)), data, 0o600)
		}
		if err != nil {
			t.Logf("post-mortem copy: %v", err)
		}
	}
}
