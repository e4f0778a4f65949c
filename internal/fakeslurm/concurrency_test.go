package fakeslurm

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkIDs asserts that ids are exactly 1..n and that the state and the
// sbatch log agree with them.
func checkIDs(t *testing.T, f *fake, ids []string, n int) {
	t.Helper()
	nums := make([]int, 0, len(ids))
	for _, s := range ids {
		id, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("sbatch printed %q, want a job id", s)
		}
		nums = append(nums, id)
	}
	sort.Ints(nums)
	for i, id := range nums {
		if id != i+1 {
			t.Fatalf("job ids %v, want 1..%d each once", nums, n)
		}
	}
	if got := len(f.world().Jobs); got != n {
		t.Errorf("%d jobs stored, want %d", got, n)
	}
	calls, err := ReadSbatchLog(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != n {
		t.Errorf("%d sbatch.log lines, want %d", len(calls), n)
	}
}

func TestConcurrentSubmitInProcess(t *testing.T) {
	const n = 20
	f := newFake(t)
	f.script("train.sh", "#!/bin/sh\n")
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errOut, rc := f.run("sbatch", "--parsable", "-J", fmt.Sprint("run", i), "train.sh")
			if rc != 0 {
				t.Errorf("sbatch %d: rc %d, stderr %q", i, rc, errOut)
			}
			ids[i] = strings.TrimSpace(out)
		}()
	}
	// Readers run alongside the writers and must never see a torn state.
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, errOut, rc := f.run("squeue", "--noheader", "--me", "--states=all", "--format="+pipeSqueueFormat); rc != 0 {
				t.Errorf("squeue during submissions: rc %d, stderr %q", rc, errOut)
			}
		}()
	}
	wg.Wait()
	checkIDs(t, f, ids, n)
}

// TestConcurrentSubmitProcesses runs the fake as separate processes (the
// test binary, see TestMain), so the flock is contended across processes
// as it is when the daemon and a test script call it at once.
func TestConcurrentSubmitProcesses(t *testing.T) {
	const n = 20
	f := newFake(t)
	f.script("train.sh", "#!/bin/sh\n")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "--parsable", "train.sh")
			cmd.Env = append(os.Environ(), "FAKESLURM_TEST_PROG=sbatch")
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("sbatch process %d: %v", i, err)
			}
			ids[i] = strings.TrimSpace(string(out))
		}()
	}
	wg.Wait()
	checkIDs(t, f, ids, n)
}

// TestKilledCallersLeaveAWholeState kills sbatch and sacct processes at
// arbitrary moments, as a crash-torture test kills the daemon with its
// children: the state must stay readable and consistent.
func TestKilledCallersLeaveAWholeState(t *testing.T) {
	f := newFake(t)
	f.script("train.sh", "#!/bin/sh\n")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		prog, args := "sbatch", []string{"--parsable", "train.sh"}
		if i%3 == 2 {
			prog, args = "sacct", []string{"-P", "-n", "-X", "--format=" + captureSacctFormat, "-j", "1,2,3"}
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), "FAKESLURM_TEST_PROG="+prog)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i%8) * 3 * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	w, err := loadWorld(f.dir, 1)
	if err != nil {
		t.Fatalf("state after killed callers: %v", err)
	}
	for i, j := range w.Jobs {
		if j.ID != i+1 {
			t.Fatalf("job %d has id %d, want ids 1..%d in order", i, j.ID, len(w.Jobs))
		}
	}
	if w.NextID != len(w.Jobs)+1 {
		t.Errorf("next id %d with %d jobs, want %d", w.NextID, len(w.Jobs), len(w.Jobs)+1)
	}
	if _, err := ReadSbatchLog(f.dir); err != nil && len(w.Jobs) > 0 {
		t.Errorf("sbatch.log after killed callers: %v", err)
	}
	// The cluster still works.
	if got := f.submit(); got != fmt.Sprint(len(w.Jobs)+1) {
		t.Errorf("next submission got id %s, want %d", got, len(w.Jobs)+1)
	}
}
