package supervisor

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestActivityWakesWhenQuiet(t *testing.T) {
	dir := t.TempDir()
	woke := make(chan time.Time, 10)
	aw, err := WatchActivity(context.Background(), func() { woke <- time.Now() })
	if err != nil {
		t.Fatal(err)
	}
	defer aw.Close()
	aw.Sync([]string{dir, filepath.Join(dir, "missing")})
	log := filepath.Join(dir, "slurm-1.out")
	start := time.Now()
	// A job writes for a while, then dies.
	for i := 0; i < 5; i++ {
		if err := os.WriteFile(log, []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	lastWrite := time.Now()
	select {
	case at := <-woke:
		if at.Before(lastWrite.Add(activityQuiet - time.Second)) {
			t.Errorf("woke %s after the first write, before the files went quiet", at.Sub(start))
		}
	case <-time.After(activityQuiet + 5*time.Second):
		t.Fatalf("no wake-up within %s of the files going quiet", activityQuiet+5*time.Second)
	}
	select {
	case <-woke:
		t.Errorf("a second wake-up without new activity")
	case <-time.After(time.Second):
	}
}
