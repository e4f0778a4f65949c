package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// readWithin runs readStream and fails the test if it has not returned
// within d: the regression of issue 11 is a pass blocked for ever.
func readWithin(t *testing.T, c *logCache, key, path string, d time.Duration) streamRead {
	t.Helper()
	done := make(chan streamRead, 1)
	go func() { done <- c.readStream(key, path) }()
	select {
	case r := <-done:
		return r
	case <-time.After(d):
		t.Fatalf("reading %s has not returned after %s", path, d)
		return streamRead{}
	}
}

func TestReadStreamRefusesFIFOAndDevices(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "d20-7.out")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{fifo, "/dev/zero"} {
		var c logCache
		r := readWithin(t, &c, "d20/log", path, 5*time.Second)
		if !errors.Is(r.Err, errNotRegular) || r.Summary != nil || r.Abandoned || !r.report {
			t.Errorf("%s: got err %v, summary %v, abandoned %v, report %v; want a not-regular error reported once",
				path, r.Err, r.Summary, r.Abandoned, r.report)
		}
		if r := readWithin(t, &c, "d20/log", path, 5*time.Second); r.report {
			t.Errorf("%s: the same trouble reported twice", path)
		}
	}
}

// hangingOpen stands in for a file on a network filesystem that stopped
// answering: it blocks until release is closed.
func hangingOpen(release <-chan struct{}, calls *atomic.Int32) func(string) (*os.File, fs.FileInfo, error) {
	return func(path string) (*os.File, fs.FileInfo, error) {
		calls.Add(1)
		<-release
		return openRegular(path)
	}
}

func TestReadStreamAbandonsHungRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d20-7.out")
	if err := os.WriteFile(path, []byte("Step 01000 | CORE metric: 0.2100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var calls atomic.Int32
	c := logCache{timeout: 50 * time.Millisecond, open: hangingOpen(release, &calls)}
	r := readWithin(t, &c, "d20/log", path, 5*time.Second)
	if !r.Abandoned || r.Err == nil || !r.report {
		t.Fatalf("hung read: abandoned %v, err %v, report %v; want abandoned, reported", r.Abandoned, r.Err, r.report)
	}
	// While the first read hangs, no second one is started.
	r = readWithin(t, &c, "d20/log", path, 5*time.Second)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "has not returned") || r.report || calls.Load() != 1 {
		t.Errorf("second pass: err %v, report %v, %d opens; want the old read still pending, 1 open", r.Err, r.report, calls.Load())
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		busy := c.entries["d20/log"].busy
		c.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("released read never finished")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r = readWithin(t, &c, "d20/log", path, 5*time.Second)
	if r.Err != nil || r.Summary == nil || len(r.Summary.Core) != 1 {
		t.Errorf("after release: err %v, summary %+v; want the CORE line", r.Err, r.Summary)
	}
}

func TestReadStreamBoundedBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d20-7.out")
	line := "Step 01000 | Validation bpb: 0.800000\n"
	if err := os.WriteFile(path, []byte(strings.Repeat(line, 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	c := logCache{limit: int64(len(line)) * 4}
	var offsets []int64
	for range 4 {
		r := readWithin(t, &c, "d20/log", path, 5*time.Second)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		offsets = append(offsets, c.entries["d20/log"].tail.Offset())
	}
	n := int64(len(line))
	if want := []int64{4 * n, 8 * n, 10 * n, 10 * n}; !slices.Equal(offsets, want) {
		t.Errorf("bytes parsed after each pass %v; want %v", offsets, want)
	}
}

func TestReadStreamMissingAndNodeGlob(t *testing.T) {
	dir := t.TempDir()
	var c logCache
	if r := readWithin(t, &c, "d20/log", filepath.Join(dir, "d20-7.out"), 5*time.Second); !r.Missing || r.Err != nil {
		t.Errorf("absent log: missing %v, err %v; want missing", r.Missing, r.Err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d20-7-gpu04.out"), []byte("step 00001/00100 (1%) | x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := readWithin(t, &c, "d20/node", filepath.Join(dir, "d20-7-%N.out"), 5*time.Second)
	if r.Path != filepath.Join(dir, "d20-7-gpu04.out") || r.Summary == nil || r.Summary.PlannedTotal != 100 {
		t.Errorf("%%N pattern: path %q, summary %+v; want the node's file read", r.Path, r.Summary)
	}
}

// The steps and their time are measured from the same bounded, incremental
// read as the summary: what the accounting of a job's lost work reads.
func TestReadStreamMeasuresSteps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d20-7.out")
	line := func(step int) string {
		return fmt.Sprintf("step %05d/21400 (1.00%%) | loss: 2.9 | lrm: 1.00 | dt: 400.00ms | tok/sec: 1,000\n", step)
	}
	if err := os.WriteFile(path, []byte(line(10)+line(11)), 0o644); err != nil {
		t.Fatal(err)
	}
	var c logCache
	r := readWithin(t, &c, "d20/log", path, 5*time.Second)
	if r.Steps == nil || r.Steps.FirstStep != 10 || r.Steps.LastStep != 11 {
		t.Fatalf("first read: steps %+v; want 10 to 11", r.Steps)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(line(12))
	f.Close()
	r = readWithin(t, &c, "d20/log", path, 5*time.Second)
	if r.Steps == nil || r.Steps.FirstStep != 10 || r.Steps.LastStep != 12 || r.Steps.Lines != 3 || r.Steps.StepTime != 400*time.Millisecond {
		t.Errorf("after an append: steps %+v; want 10 to 12 over 3 lines at 400ms", r.Steps)
	}
}

// TestReadStreamRemembersPreviousChange: each read says when the log
// changed before its last change and at which step, the span the stall
// alarm learns from; a read that finds the log unchanged keeps them.
func TestReadStreamRemembersPreviousChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d20-7.out")
	line := func(step int) string {
		return fmt.Sprintf("step %05d/00100 (1.00%%) | loss: 2.9 | lrm: 1.00 | dt: 100.00ms | tok/sec: 1 | mfu: 0.00 | total time: 0.01m\n", step)
	}
	t1, t2 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 12, 3, 0, 0, time.UTC)
	write := func(text string, mod time.Time) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(text); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	var c logCache
	write(line(10), t1)
	if r := readWithin(t, &c, "d20/log", path, 5*time.Second); !r.PrevModTime.IsZero() {
		t.Errorf("first read: PrevModTime %v, want none", r.PrevModTime)
	}
	write(line(11), t2)
	for range 2 {
		r := readWithin(t, &c, "d20/log", path, 5*time.Second)
		if !r.PrevModTime.Equal(t1) || r.PrevLastStep != 10 || !r.ModTime.Equal(t2) {
			t.Errorf("PrevModTime %v, PrevLastStep %d, ModTime %v; want %v, 10, %v", r.PrevModTime, r.PrevLastStep, r.ModTime, t1, t2)
		}
	}
}
