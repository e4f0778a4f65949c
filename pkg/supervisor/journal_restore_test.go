package supervisor

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// journalRig runs d20 through an adoption, a timeout and a resubmission,
// so that the journal holds several of its states, and returns the
// journal's lines.
func journalRig(t *testing.T) (*rig, [][]byte) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.checkpoint("d20", 1000, 0.9)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.now = r.now.Add(time.Minute)
	r.tick()
	if r.slurm.count("sbatch") != 1 {
		t.Fatalf("sbatch called %d times; want one resubmission", r.slurm.count("sbatch"))
	}
	data, err := os.ReadFile(filepath.Join(r.cfg.StateDir, ledger.JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	return r, bytes.SplitAfter(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// stateLines are the indexes of the lines that carry a state of run.
func stateLines(t *testing.T, lines [][]byte, run string) []int {
	t.Helper()
	var idx []int
	for i, l := range lines {
		var rec ledger.Record
		if json.Unmarshal(l, &rec) == nil && rec.Run == run && len(rec.State) > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) < 3 {
		t.Fatalf("journal holds %d states of %s; the test needs 3 or more", len(idx), run)
	}
	return idx
}

func decodeState(t *testing.T, line []byte) run.RunState {
	t.Helper()
	var rec ledger.Record
	var st run.RunState
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rec.State, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// One damaged journal line must cost at most the record on it: a restart
// that rebuilds state from the journal falls back to the run's previous
// good record, never to nothing (which forgets the job, the attempts and
// the metrics, and may submit a twin).
func TestRestoreSurvivesOneBadJournalLine(t *testing.T) {
	garbage := func(t *testing.T, l []byte) []byte {
		return append(bytes.Repeat([]byte("#"), len(bytes.TrimSuffix(l, []byte("\n")))), '\n')
	}
	// badState keeps the line valid JSON but gives it a state that does
	// not decode: the kind of damage only the reader of the state sees.
	badState := func(t *testing.T, l []byte) []byte {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(l, &rec); err != nil {
			t.Fatal(err)
		}
		rec["state"] = json.RawMessage(`{"name":"d20","phase":7,"attempts":"many"}`)
		out, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		return append(out, '\n')
	}
	torn := func(t *testing.T, l []byte) []byte { return l[:len(l)/2] }
	tests := []struct {
		name   string
		last   bool // the damaged line is the run's newest state (else one in the middle)
		damage func(*testing.T, []byte) []byte
	}{
		{"garbage in the middle", false, garbage},
		{"undecodable state in the middle", false, badState},
		{"garbage at the end", true, garbage},
		{"undecodable state at the end", true, badState},
		{"torn last line", true, torn},
	}
	for _, tt := range tests {
		for _, withSnap := range []bool{false, true} {
			name := tt.name + map[bool]string{false: ", no state.json", true: ", older state.json"}[withSnap]
			t.Run(name, func(t *testing.T) {
				r, lines := journalRig(t)
				idx := stateLines(t, lines, "d20")
				bad, want := idx[1], decodeState(t, lines[idx[len(idx)-1]])
				if tt.last {
					if idx[len(idx)-1] != len(lines)-1 {
						t.Fatalf("the run's newest state is not on the journal's last line")
					}
					bad, want = idx[len(idx)-1], decodeState(t, lines[idx[len(idx)-2]])
				}
				lines[bad] = tt.damage(t, lines[bad])
				files := map[string][]byte{ledger.JournalFile: bytes.Join(lines, nil)}
				if withSnap {
					// state.json as after the first pass: older than every
					// journaled state the test keeps.
					first := decodeState(t, lines[idx[0]])
					snap, err := json.Marshal(snapshot{Version: snapshotVersion, Runs: map[string]run.RunState{"d20": first}})
					if err != nil {
						t.Fatal(err)
					}
					files[ledger.StateFile] = snap
				} else if err := os.Remove(filepath.Join(r.cfg.StateDir, ledger.StateFile)); err != nil {
					t.Fatal(err)
				}
				r.crashWith(files)
				if got := r.state("d20"); !reflect.DeepEqual(got, want) {
					t.Errorf("restored d20:\n got %+v\nwant %+v (the newest good journaled state)", got, want)
				}
			})
		}
	}
}

// cancelledAfter adopts d20's running job, then, the clock moved by step,
// sees the user cancel it: one pass that journals one change. It returns
// the ledger's files from before that pass and the state after it.
func cancelledAfter(t *testing.T, step time.Duration) (*rig, map[string][]byte, run.RunState) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	beforePass := r.ledgerFiles()
	r.now = r.now.Add(step)
	r.slurm.set(id, "CANCELLED by 1000", "0:0")
	r.tick()
	want := r.state("d20")
	if want.Phase != run.PhaseStopped {
		t.Fatalf("after the cancellation d20 is %s; this test needs it stopped", want.Phase)
	}
	return r, beforePass, want
}

// A clock stepped back (NTP fixing a fast clock, a VM restored) must not
// make a restart prefer state.json over the newer journal: the journal is
// appended before state.json is written, so after a crash in between the
// journal holds the newer state even though its wall time is earlier.
func TestRestoreAfterClockStepBackPrefersJournal(t *testing.T) {
	r, beforePass, want := cancelledAfter(t, -time.Hour)
	r.crashWith(map[string][]byte{ledger.StateFile: beforePass[ledger.StateFile], ledger.JournalFile: r.ledgerFiles()[ledger.JournalFile]})
	if got := r.state("d20"); !reflect.DeepEqual(got, want) {
		t.Errorf("restored d20 is %s (%s); want the journaled %s (%s)", got.Phase, got.Reason, want.Phase, want.Reason)
	}
}

// Files written before sequence numbers existed are still ordered by
// Updated; any state with a sequence number is newer than one without.
func TestNewerThan(t *testing.T) {
	early, late := t0, t0.Add(time.Hour)
	tests := []struct {
		name    string
		st, old run.RunState
		newer   bool
	}{
		{"higher seq, earlier clock", run.RunState{Seq: 5, Updated: early}, run.RunState{Seq: 4, Updated: late}, true},
		{"lower seq, later clock", run.RunState{Seq: 4, Updated: late}, run.RunState{Seq: 5, Updated: early}, false},
		{"same seq", run.RunState{Seq: 4, Updated: late}, run.RunState{Seq: 4, Updated: early}, false},
		{"seq over a state without", run.RunState{Seq: 1, Updated: early}, run.RunState{Updated: late}, true},
		{"no seq under a state with one", run.RunState{Updated: late}, run.RunState{Seq: 1, Updated: early}, false},
		{"neither has seq: later clock", run.RunState{Updated: late}, run.RunState{Updated: early}, true},
		{"neither has seq: earlier clock", run.RunState{Updated: early}, run.RunState{Updated: late}, false},
	}
	for _, tt := range tests {
		if got := tt.st.NewerThan(tt.old); got != tt.newer {
			t.Errorf("%s: NewerThan = %v, want %v", tt.name, got, tt.newer)
		}
	}
}

// A state directory written before sequence numbers existed restores as
// before: the journal's state wins when its Updated is later.
func TestRestoreOldFilesWithoutSeq(t *testing.T) {
	r, beforePass, want := cancelledAfter(t, 2*time.Minute)
	want.Seq = 0
	if !bytes.Contains(beforePass[ledger.StateFile], []byte(`"seq"`)) {
		t.Fatalf("state.json holds no seq: the test would strip nothing")
	}
	noSeq := regexp.MustCompile(`,?\s*"seq":\s*[0-9]+`)
	r.crashWith(map[string][]byte{
		ledger.StateFile:   noSeq.ReplaceAll(beforePass[ledger.StateFile], nil),
		ledger.JournalFile: noSeq.ReplaceAll(r.ledgerFiles()[ledger.JournalFile], nil),
	})
	if got := r.state("d20"); !reflect.DeepEqual(got, want) {
		t.Errorf("restored d20 is %s (%s), seq %d; want the journaled %s (%s), seq 0", got.Phase, got.Reason, got.Seq, want.Phase, want.Reason)
	}
}
