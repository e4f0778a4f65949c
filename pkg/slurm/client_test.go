package slurm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// fakeRunner records every command and answers from a function.
type fakeRunner struct {
	mu     sync.Mutex
	calls  []Command
	answer func(Command) (stdout, stderr []byte, err error)
}

func (f *fakeRunner) Run(_ context.Context, c Command) ([]byte, []byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if f.answer == nil {
		return nil, nil, nil
	}
	return f.answer(c)
}

// sacctEcho answers a sacct -j call with one COMPLETED row per id.
func sacctEcho(c Command) ([]byte, []byte, error) {
	ids := strings.Split(c.Args[len(c.Args)-1], ",")
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, rows("%s|%s|job|COMPLETED|0:0|Unknown|Unknown|Unknown|00:00:00|UNLIMITED|/w|None|\n"), id, id)
	}
	return []byte(b.String()), nil, nil
}

func numberedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	return ids
}

func TestClientSacctChunks(t *testing.T) {
	tests := []struct {
		name      string
		ids       int
		max       int
		wantCalls []int // ids per call
	}{
		{"1200 ids in chunks of 500", 1200, 500, []int{500, 500, 200}},
		{"10 ids in one call", 10, 500, []int{10}},
		{"default size", 10, 0, []int{10}},
		{"exactly one chunk", 500, 500, []int{500}},
		{"no ids, no call", 0, 500, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeRunner{answer: sacctEcho}
			c := &Client{Runner: f, MaxIDsPerCall: tt.max}
			jobs, err := c.SacctOn(context.Background(), "", numberedIDs(tt.ids))
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, call := range f.calls {
				if call.Name != "sacct" {
					t.Errorf("ran %q, want sacct", call.Name)
				}
				got = append(got, len(strings.Split(call.Args[len(call.Args)-1], ",")))
			}
			if !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("got calls with %v ids, want %v", got, tt.wantCalls)
			}
			if len(jobs) != tt.ids {
				t.Errorf("got %d jobs, want %d", len(jobs), tt.ids)
			}
		})
	}
}

func TestClientSacctArgv(t *testing.T) {
	f := &fakeRunner{answer: sacctEcho}
	c := &Client{Runner: f}
	if _, err := c.SacctOn(context.Background(), "", []string{"7", "12_1", "7"}); err != nil {
		t.Fatal(err)
	}
	want := []Command{{Name: "sacct", Args: SacctArgs([]string{"7", "12_1"})}}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("got %+v, want %+v (duplicates dropped)", f.calls, want)
	}
}

func TestClientSacctMergesOverlappingChunks(t *testing.T) {
	// "12" expands to all tasks; "12_1" in another chunk prints one again.
	f := &fakeRunner{answer: func(c Command) ([]byte, []byte, error) {
		if strings.HasSuffix(c.Args[len(c.Args)-1], "12") {
			return []byte(rows("12_0|13|arr|COMPLETED|0:0|||||||None|\n12_1|14|arr|RUNNING|0:0|||||||None|\n")), nil, nil
		}
		return []byte(rows("12_1|14|arr|FAILED|1:0|||||||None|\n")), nil, nil
	}}
	jobs, err := (&Client{Runner: f, MaxIDsPerCall: 1}).SacctOn(context.Background(), "", []string{"12", "12_1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[1].ID != "12_1" || jobs[1].State.Name != StateFailed {
		t.Errorf("got %+v, want 12_0 and one 12_1 (FAILED, the last row)", jobs)
	}
}

func TestClientSacctErrors(t *testing.T) {
	dbDown := &CommandError{Cmd: "sacct", ExitCode: 1, Stderr: "sacct: error: Problem talking to the database: Connection refused"}
	calls := 0
	f := &fakeRunner{answer: func(c Command) ([]byte, []byte, error) {
		calls++
		if calls == 2 {
			return nil, []byte(dbDown.Stderr), dbDown
		}
		return sacctEcho(c)
	}}
	jobs, err := (&Client{Runner: f, MaxIDsPerCall: 2}).SacctOn(context.Background(), "", numberedIDs(5))
	if err == nil || jobs != nil {
		t.Fatalf("got %d jobs, %v; want no jobs and the error of the second chunk", len(jobs), err)
	}
	if !errors.Is(err, dbDown) || !IsTransient(err) || !strings.HasPrefix(err.Error(), "sacct of 2 ids (3..4): ") {
		t.Errorf("got %v, want the wrapped, transient database error naming the chunk", err)
	}

	garbage := &fakeRunner{answer: func(Command) ([]byte, []byte, error) { return []byte(rows("7|7|x\n")), nil, nil }}
	_, err = (&Client{Runner: garbage}).SacctOn(context.Background(), "", []string{"7"})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || !strings.Contains(err.Error(), "sacct") {
		t.Errorf("got %v, want a sacct parse error for line 1", err)
	}

	for _, bad := range [][]string{{"-7"}, {""}, {"7 8"}, {"7,8"}} {
		f := &fakeRunner{}
		if _, err := (&Client{Runner: f}).SacctOn(context.Background(), "", bad); err == nil || len(f.calls) != 0 {
			t.Errorf("ids %q: got %v after %d calls, want an error before any call", bad, err, len(f.calls))
		}
	}
}

// TestClientSacctSkippedRows: rows skipped in any chunk are reported
// together, with every row that could be read.
func TestClientSacctSkippedRows(t *testing.T) {
	f := &fakeRunner{answer: func(c Command) ([]byte, []byte, error) {
		out, _, _ := sacctEcho(c)
		return append(out, rows("99|99|x\n")...), nil, nil
	}}
	jobs, err := (&Client{Runner: f, MaxIDsPerCall: 2}).SacctOn(context.Background(), "", numberedIDs(3))
	var sk *SkippedRowsError
	if len(jobs) != 3 || !errors.As(err, &sk) || !reflect.DeepEqual(skippedIDs(sk), []string{"99", "99"}) {
		t.Errorf("got %d jobs, %v; want 3 jobs and job 99 skipped in both chunks", len(jobs), err)
	}
	// sacctEcho reads the -E time as the one id: its row is kept.
	jobs, err = (&Client{Runner: f}).SacctWindowOn(context.Background(), "", at(t, "2026-11-26T17:55:10"), at(t, "2026-11-28T17:55:10"), nil)
	if len(jobs) != 1 || !errors.As(err, &sk) {
		t.Errorf("window: got %d jobs, %v; want the readable row and the skipped one reported", len(jobs), err)
	}
}

func TestClientSacctWindow(t *testing.T) {
	f := &fakeRunner{answer: func(Command) ([]byte, []byte, error) {
		return []byte(rows("7|7|d20|TIMEOUT|0:0|||||||None|\n")), nil, nil
	}}
	c := &Client{Runner: f}
	since := at(t, "2026-11-26T17:55:10")
	until := at(t, "2026-11-28T17:55:10")
	jobs, err := c.SacctWindowOn(context.Background(), "", since, until, []string{"d20"})
	if err != nil || len(jobs) != 1 || jobs[0].State.Name != StateTimeout {
		t.Fatalf("got %+v, %v; want job 7 TIMEOUT", jobs, err)
	}
	want := Command{Name: "sacct", Args: SacctWindowArgs(since, until, []string{"d20"})}
	if !reflect.DeepEqual(f.calls, []Command{want}) {
		t.Errorf("got %+v, want %+v", f.calls, want)
	}
	if _, err := c.SacctWindowOn(context.Background(), "", until, since, nil); err == nil {
		t.Error("reversed window: got no error, want one")
	}
}

func TestClientSqueue(t *testing.T) {
	f := &fakeRunner{answer: func(Command) ([]byte, []byte, error) {
		return []byte(rows("16|cli-name|RUNNING|None|N/A|N/A|UNLIMITED|0:12|/w|xyz\n")), nil, nil
	}}
	entries, err := (&Client{Runner: f}).SqueueOn(context.Background(), "")
	if err != nil || len(entries) != 1 || entries[0].Comment != "xyz" {
		t.Fatalf("got %+v, %v; want job 16 with comment xyz", entries, err)
	}
	if want := (Command{Name: "squeue", Args: SqueueArgs()}); !reflect.DeepEqual(f.calls[0], want) {
		t.Errorf("got %+v, want %+v", f.calls[0], want)
	}

	ctldDown := &CommandError{Cmd: "squeue", ExitCode: 1, Stderr: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)"}
	down := &fakeRunner{answer: func(Command) ([]byte, []byte, error) { return nil, nil, ctldDown }}
	_, err = (&Client{Runner: down}).SqueueOn(context.Background(), "")
	if !errors.Is(err, ctldDown) || !IsTransient(err) || !strings.HasPrefix(err.Error(), "squeue: ") {
		t.Errorf("got %v, want the transient squeue error", err)
	}
}

func TestClientSbatch(t *testing.T) {
	f := &fakeRunner{answer: func(Command) ([]byte, []byte, error) { return []byte("41;lab\n"), nil, nil }}
	req := SubmitRequest{Script: "train.sh", ScriptArgs: []string{"2000"}, Flags: []string{"-J", "d20"},
		Dir: "/home/alice/nanochat", Env: []string{"NSV_RUN=d20"}}
	job, err := (&Client{Runner: f}).Submit(context.Background(), req)
	id := job.ID
	if err != nil || id != "41" {
		t.Fatalf("got %q, %v; want 41", id, err)
	}
	want := Command{Name: "sbatch", Args: SbatchArgs(req), Dir: req.Dir, Env: req.Env}
	if !reflect.DeepEqual(f.calls, []Command{want}) {
		t.Errorf("got %+v, want %+v", f.calls, want)
	}

	timedOut := &CommandError{Cmd: "sbatch", ExitCode: -1, TimedOut: true}
	tests := []struct {
		name         string
		stdout       string
		err          error
		wantMayExist bool
	}{
		{"timed out", "", timedOut, true},
		{"rejected", "", &CommandError{Cmd: "sbatch", ExitCode: 1, Stderr: "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"}, false},
		{"unreadable output", "Submitted batch job 40\n", nil, true},
	}
	for _, tt := range tests {
		f := &fakeRunner{answer: func(Command) ([]byte, []byte, error) { return []byte(tt.stdout), nil, tt.err }}
		job, err := (&Client{Runner: f}).Submit(context.Background(), req)
		id := job.ID
		if err == nil || id != "" || !strings.HasPrefix(err.Error(), "sbatch train.sh: ") {
			t.Errorf("%s: got %q, %v; want an error naming sbatch and the script", tt.name, id, err)
		}
		if got := SubmitMayHaveCreatedJob(err); got != tt.wantMayExist {
			t.Errorf("%s: SubmitMayHaveCreatedJob = %v, want %v", tt.name, got, tt.wantMayExist)
		}
	}
	empty := &fakeRunner{}
	if _, err := (&Client{Runner: empty}).Submit(context.Background(), SubmitRequest{}); err == nil || len(empty.calls) != 0 {
		t.Errorf("no script: got %v after %d calls, want an error before any call", err, len(empty.calls))
	}
}

func TestClientScancel(t *testing.T) {
	f := &fakeRunner{}
	c := &Client{Runner: f}
	if err := c.ScancelOn(context.Background(), JobRef{ID: "39"}); err != nil {
		t.Fatal(err)
	}
	if want := []Command{{Name: "scancel", Args: []string{"39"}}}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("got %+v, want %+v", f.calls, want)
	}
	if err := c.ScancelOn(context.Background(), JobRef{ID: "--signal=KILL"}); err == nil || len(f.calls) != 1 {
		t.Errorf("option as job id: got %v, want an error and no call", err)
	}
	ctldDown := &CommandError{Cmd: "scancel", ExitCode: 8,
		Stderr: "scancel: error: Kill job error on job id 39: Unable to contact slurm controller (connect failure)"}
	down := &fakeRunner{answer: func(Command) ([]byte, []byte, error) { return nil, nil, ctldDown }}
	err := (&Client{Runner: down}).ScancelOn(context.Background(), JobRef{ID: "39"})
	if !errors.Is(err, ctldDown) || !IsTransient(err) || !strings.HasPrefix(err.Error(), "scancel 39: ") {
		t.Errorf("got %v, want the transient scancel error", err)
	}
}
