package supervisor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// testdata/state_two_save_trackers.json was written by the version that
// followed saves twice (job.saves, cadence, last_new_step_at,
// checkpoint_gap beside saves): job 99 saved 1100..1400 every 10 minutes,
// the first 15 minutes after its start, and timed out. It still loads, and
// the run's cadence is measured again from the one record, also when the
// record itself is missing (a scan without file times wrote none).
func TestStateWithTwoSaveTrackersLoads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "state_two_save_trackers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	delete(generic["runs"].(map[string]any)["d20"].(map[string]any), "saves")
	withoutRecord, err := json.Marshal(generic)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	want := run.Cadence{SaveInterval: 10 * time.Minute, StepsPerSave: 100, Restart: 5 * time.Minute}
	for name, file := range map[string][]byte{"as written": data, "without saves": withoutRecord} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ledger.StateFile), file, 0o600); err != nil {
				t.Fatal(err)
			}
			var snap snapshot
			if _, err := ledger.LoadState(dir, &snap); err != nil {
				t.Fatal(err)
			}
			st := snap.Runs["d20"]
			if st.Job == nil || st.Job.ID != "99" || st.NewestStep != 1400 || st.Intent == nil {
				t.Fatalf("state %+v; want job 99, newest 1400, an intent", st)
			}
			if got, ok := run.RunCadence(st); !ok || got != want {
				t.Errorf("cadence %+v (%v), want %+v", got, ok, want)
			}
			if got := st.LastSaveAt(); !got.Equal(start.Add(45 * time.Minute)) {
				t.Errorf("last save at %v, want 10:45", got)
			}
			if n := len(st.Saves); n != 4 {
				t.Errorf("%d saves recorded, want 1100..1400", n)
			}
		})
	}
}
