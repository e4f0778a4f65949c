package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash tests re-execute the test binary as a child that appends until
// it is SIGKILLed. These variables tell the child where and how.
const (
	crashDirEnv      = "LEDGER_CRASH_CHILD_DIR"
	crashGenEnv      = "LEDGER_CRASH_CHILD_GEN"
	crashMaxBytesEnv = "LEDGER_CRASH_CHILD_MAX_BYTES"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashChild opens the ledger, prints "ready", then appends records for
// ever, printing each record's sequence number once Append has returned.
// Pads are random and sometimes large, so that a kill can land inside the
// write of a record and not only inside an fsync.
func crashChild(dir string) int {
	gen, _ := strconv.Atoi(os.Getenv(crashGenEnv))
	maxBytes, _ := strconv.ParseInt(os.Getenv(crashMaxBytesEnv), 10, 64)
	l, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l.maxBytes = maxBytes
	fmt.Println("ready")
	src := rand.NewChaCha8([32]byte{byte(gen), byte(gen >> 8)})
	rng := rand.New(src)
	for i := 0; ; i++ {
		n := rng.IntN(4 << 10)
		if rng.IntN(4) == 0 {
			n = rng.IntN(256 << 10)
		}
		pad := make([]byte, n)
		src.Read(pad)
		for j, b := range pad {
			pad[j] = 'a' + b%26
		}
		r := Record{
			Time: time.Now(), Run: fmt.Sprintf("r%d", i%3), Event: "tick",
			Fields: map[string]any{"gen": gen, "i": i, "pad": string(pad), "sum": crc32.ChecksumIEEE(pad)},
			State:  json.RawMessage(fmt.Sprintf(`{"gen":%d,"i":%d}`, gen, i)),
		}
		if err := l.Append(r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Println(i)
	}
}

// killChild starts a child appending to dir, kills it after a random
// delay and returns the last sequence number it acknowledged (-1: none).
func killChild(t *testing.T, dir string, gen int, maxBytes int64, rng *rand.Rand) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		crashDirEnv+"="+dir,
		crashGenEnv+"="+strconv.Itoa(gen),
		crashMaxBytesEnv+"="+strconv.FormatInt(maxBytes, 10))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		cmd.Wait()
		t.Fatalf("child %d did not start: %q %s", gen, sc.Text(), stderr.String())
	}
	time.Sleep(time.Duration(rng.IntN(100_000)) * time.Microsecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	last := -1
	for sc.Scan() {
		if i, err := strconv.Atoi(sc.Text()); err == nil {
			last = i
		}
	}
	if err := cmd.Wait(); err == nil || strings.Contains(err.Error(), "exit status") {
		t.Fatalf("child %d ended by itself (%v): %s", gen, err, stderr.String())
	}
	return last
}

// crashRecords reads the journal in dir and returns the sequence numbers
// of each generation in journal order, checking every record's pad
// against its checksum.
func crashRecords(t *testing.T, dir string) (map[int][]int, []Problem) {
	t.Helper()
	seqs := map[int][]int{}
	problems, err := ReadJournal(dir, func(line int, r Record) error {
		if r.Event == EventStateCarried {
			return nil
		}
		pad, _ := r.Fields["pad"].(string)
		sum, _ := r.Fields["sum"].(float64)
		if crc32.ChecksumIEEE([]byte(pad)) != uint32(sum) {
			return fmt.Errorf("pad does not match its checksum")
		}
		gen, i := int(r.Fields["gen"].(float64)), int(r.Fields["i"].(float64))
		seqs[gen] = append(seqs[gen], i)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadJournal after a kill: %v", err)
	}
	return seqs, problems
}

// checkGeneration checks that a generation's records are contiguous and
// end with the last acknowledged one or the one after it (written, not yet
// acknowledged). from0 requires them to start at 0 (nothing rotated away).
func checkGeneration(t *testing.T, gen int, seq []int, acked int, from0 bool) {
	t.Helper()
	for j := 1; j < len(seq); j++ {
		if seq[j] != seq[j-1]+1 {
			t.Fatalf("generation %d: record %d follows %d", gen, seq[j], seq[j-1])
		}
	}
	if len(seq) == 0 {
		if from0 && acked >= 0 {
			t.Fatalf("generation %d: no records, %d acknowledged", gen, acked+1)
		}
		return
	}
	if from0 && seq[0] != 0 {
		t.Fatalf("generation %d starts at record %d, want 0", gen, seq[0])
	}
	if last := seq[len(seq)-1]; last < acked || last > acked+1 {
		t.Fatalf("generation %d ends at record %d, %d acknowledged", gen, last, acked)
	}
}

func journalLines(t *testing.T, dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// TestCrashConsistency SIGKILLs appending children at random moments.
// After every kill the journal must read without error, with at most one
// new Problem, the torn last line, and every acknowledged record intact.
// Several kills share a directory, so each child also repairs the torn
// tail its predecessor left.
func TestCrashConsistency(t *testing.T) {
	t.Parallel() // the time goes into starting children, not into the CPU
	kills, perDir := 50, 10
	if testing.Short() {
		kills = 10
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	torn, records := 0, 0
	for k := 0; k < kills; k += perDir {
		dir := t.TempDir()
		acked := map[int]int{}
		prevProblems := 0
		for gen := k; gen < min(k+perDir, kills); gen++ {
			acked[gen] = killChild(t, dir, gen, 0, rng)
			seqs, problems := crashRecords(t, dir)
			for g, a := range acked {
				checkGeneration(t, g, seqs[g], a, true)
			}
			switch n := len(problems) - prevProblems; {
			case n == 1:
				p := problems[len(problems)-1]
				if p.File != JournalFile || p.Line != journalLines(t, dir) || !strings.Contains(p.Err, "torn") {
					t.Fatalf("kill %d: new problem %v is not the torn last line", gen, p)
				}
				torn++
			case n != 0:
				t.Fatalf("kill %d: %d new problems, want at most 1: %v", gen, n, problems[prevProblems:])
			}
			prevProblems = len(problems)
			records += len(seqs[gen])
		}
	}
	t.Logf("%d kills, %d torn last lines found and reported, %d records verified", kills, torn, records)
}

// TestCrashConsistencyWithRotation kills children that rotate the journal
// every few records, so kills land inside rotations too. Old generations may
// be rotated away; what remains must be contiguous, and every run's newest
// acknowledged state must survive in LastStates.
func TestCrashConsistencyWithRotation(t *testing.T) {
	t.Parallel()
	kills := 30
	if testing.Short() {
		kills = 5
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	dir := t.TempDir()
	acked := map[int]int{}
	newest := map[string][2]int{} // run -> newest acknowledged {gen, i}
	for gen := range kills {
		acked[gen] = killChild(t, dir, gen, 64<<10, rng)
		for i := max(acked[gen]-2, 0); i <= acked[gen]; i++ {
			newest[fmt.Sprintf("r%d", i%3)] = [2]int{gen, i}
		}
		seqs, _ := crashRecords(t, dir)
		for g, a := range acked {
			checkGeneration(t, g, seqs[g], a, false)
		}
		states, _, err := LastStates(dir)
		if err != nil {
			t.Fatal(err)
		}
		for run, want := range newest {
			var got struct{ Gen, I int }
			if err := json.Unmarshal(states[run], &got); err != nil {
				t.Fatalf("kill %d: state of %s: %v", gen, run, err)
			}
			if got.Gen < want[0] || got.Gen == want[0] && got.I < want[1] {
				t.Fatalf("kill %d: state of %s is gen %d record %d, older than acknowledged gen %d record %d",
					gen, run, got.Gen, got.I, want[0], want[1])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, RotatedJournalFile)); err != nil {
		t.Errorf("no rotation happened: %v", err)
	}
	t.Logf("%d kills with rotation every 64 KiB", kills)
}
