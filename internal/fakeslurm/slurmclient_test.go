package fakeslurm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// These tests put the fake behind the daemon's own pkg/slurm client and
// ExecRunner: the fake's output must parse with the project's parsers, and
// its errors must classify as the real ones do.

func TestFormatsMatchPkgSlurm(t *testing.T) {
	if SacctFormat != slurm.SacctFormat {
		t.Errorf("SacctFormat = %q, pkg/slurm asks for %q", SacctFormat, slurm.SacctFormat)
	}
	if SqueueFormat != slurm.SqueueFormat {
		t.Errorf("SqueueFormat = %q, pkg/slurm asks for %q", SqueueFormat, slurm.SqueueFormat)
	}
}

// newClient returns a pkg/slurm client whose ExecRunner finds the test
// binary under the names sbatch, sacct, squeue and scancel (TestMain makes
// it act as them).
func newClient(t *testing.T, timeout time.Duration) *slurm.Client {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, name := range []string{"sbatch", "sacct", "squeue", "scancel"} {
		if err := os.Symlink(exe, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return &slurm.Client{Runner: &slurm.ExecRunner{BinDir: bin, Timeout: timeout}}
}

func TestPkgSlurmReadsTheFake(t *testing.T) {
	f := newFake(t)
	c := newClient(t, 0)
	ctx := context.Background()
	f.script("train.sh", "#!/bin/bash\n#SBATCH -J from-script\n")
	req := slurm.SubmitRequest{Script: "train.sh", ScriptArgs: []string{"--resume", "2000"}, Dir: f.work,
		Flags: []string{"-J", "d20", "--comment=nsv|d20|1", "-t", "1:00:00"}}
	job, err := c.Submit(ctx, req)
	id := job.ID
	if err != nil || id != "1" {
		t.Fatalf("Submit = %q, %v; want 1", id, err)
	}
	calls, err := ReadSbatchLog(f.dir)
	if err != nil || len(calls) != 1 || !reflect.DeepEqual(calls[0].Argv, slurm.SbatchArgs(req)) {
		t.Errorf("sbatch.log = %+v, %v; want argv %q", calls, err, slurm.SbatchArgs(req))
	}

	jobs, err := c.SacctOn(ctx, "", []string{id})
	want := slurm.Job{ID: "1", RawID: "1", Name: "d20", State: slurm.ParseState("PENDING"),
		Submit: t0, TimeLimit: time.Hour, WorkDir: f.work, Reason: "None", NodeList: ""}
	if err != nil || len(jobs) != 1 || !reflect.DeepEqual(jobs[0], want) {
		t.Errorf("pending: Sacct = %+v, %v; want %+v", jobs, err, want)
	}
	entries, err := c.SqueueOn(ctx, "")
	if err != nil || len(entries) != 1 || entries[0].Comment != "nsv|d20|1" || entries[0].State.Name != slurm.StatePending {
		t.Errorf("pending: Squeue = %+v, %v; want job 1 PENDING with its comment", entries, err)
	}

	f.must(ControlProgram, "run", id)
	f.at(sec(90))
	f.must(ControlProgram, "set", id, "TIMEOUT")
	jobs, err = c.SacctOn(ctx, "", []string{id})
	want.State, want.Start, want.End = slurm.ParseState("TIMEOUT"), t0, sec(90)
	want.Elapsed, want.Comment = 90*time.Second, "nsv|d20|1"
	want.AllocTRES, want.NodeList = "billing=1,cpu=1,mem=1G,node=1", FakeNode
	if err != nil || len(jobs) != 1 || !reflect.DeepEqual(jobs[0], want) || !jobs[0].State.Terminal() {
		t.Errorf("ended: Sacct = %+v, %v; want %+v", jobs, err, want)
	}
	jobs, err = c.SacctWindowOn(ctx, "", t0.Add(-time.Hour), sec(100), []string{"d20"})
	if err != nil || len(jobs) != 1 || jobs[0].ID != id {
		t.Errorf("SacctWindow = %+v, %v; want job 1", jobs, err)
	}
	entries, err = c.SqueueOn(ctx, "")
	if err != nil || len(entries) != 1 || entries[0].TimeUsed != 90*time.Second || entries[0].Start != t0 {
		t.Errorf("ended: Squeue = %+v, %v; want job 1 with 1:30 used", entries, err)
	}
}

// TestPkgSlurmReadsPipesInNames: a '|' in a job's name and working
// directory reaches pkg/slurm intact, through sacct and squeue alike.
func TestPkgSlurmReadsPipesInNames(t *testing.T) {
	f := newFake(t)
	c := newClient(t, 0)
	ctx := context.Background()
	dir := filepath.Join(f.work, "a|b")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f.script("train.sh", "#!/bin/bash\n")
	req := slurm.SubmitRequest{Script: filepath.Join(f.work, "train.sh"), Dir: dir,
		Flags: []string{"-J", "x|y", "--comment=nsv:d20:1:ab"}}
	job, err := c.Submit(ctx, req)
	id := job.ID
	if err != nil {
		t.Fatal(err)
	}
	entries, err := c.SqueueOn(ctx, "")
	if err != nil || len(entries) != 1 || entries[0].Name != "x|y" || entries[0].WorkDir != dir || entries[0].Comment != "nsv:d20:1:ab" {
		t.Errorf("Squeue = %+v, %v; want job %s named x|y in %s with its tag", entries, err, id, dir)
	}
	f.must(ControlProgram, "set", id, "TIMEOUT")
	jobs, err := c.SacctOn(ctx, "", []string{id})
	if err != nil || len(jobs) != 1 || jobs[0].Name != "x|y" || jobs[0].WorkDir != dir ||
		jobs[0].Comment != "nsv:d20:1:ab" || jobs[0].State.Name != slurm.StateTimeout {
		t.Errorf("Sacct = %+v, %v; want job %s TIMEOUT named x|y in %s with its tag", jobs, err, id, dir)
	}
}

func TestPkgSlurmCancelledAndEmpty(t *testing.T) {
	f := newFake(t)
	c := newClient(t, 0)
	ctx := context.Background()
	id := f.submit()
	if err := c.ScancelOn(ctx, slurm.JobRef{ID: id}); err != nil {
		t.Fatalf("Scancel of a pending job: %v", err)
	}
	jobs, err := c.SacctOn(ctx, "", []string{id})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("Sacct = %+v, %v", jobs, err)
	}
	if got := jobs[0].State; got.Name != slurm.StateCancelled || got.By != "1000" || !jobs[0].Start.IsZero() {
		t.Errorf("cancelled while pending: state %+v start %v, want CANCELLED by 1000 and no start", got, jobs[0].Start)
	}
	// Real scancel says nothing and exits 0 for a job that already ended.
	if err := c.ScancelOn(ctx, slurm.JobRef{ID: id}); err != nil {
		t.Errorf("Scancel of an ended job = %v, want nil", err)
	}
	f.must(ControlProgram, "purge")
	if entries, err := c.SqueueOn(ctx, ""); err != nil || len(entries) != 0 {
		t.Errorf("Squeue after purge = %+v, %v; want nothing", entries, err)
	}
	if jobs, err := c.SacctOn(ctx, "", []string{"99"}); err != nil || len(jobs) != 0 {
		t.Errorf("Sacct of an unknown id = %+v, %v; want no rows, no error", jobs, err)
	}
}

func TestPkgSlurmClassifiesFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     []string
		call      func(c *slurm.Client) error
		transient bool
		mayExist  bool
		timedOut  bool
	}{
		{"database down", []string{"sacct"}, sacctCall, true, false, false},
		{"controller down", []string{"squeue"}, squeueCall, true, false, false},
		{"sbatch reply lost", []string{"sbatch", "--create"}, sbatchCall, true, true, false},
		{"sbatch refused", []string{"sbatch", "--stderr", "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"},
			sbatchCall, false, false, false},
		{"sacct garbage", []string{"sacct", "--stdout", "1|1|x\n"}, sacctCall, false, false, false},
		{"sacct hangs", []string{"sacct", "--sleep", "60s"}, sacctCall, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.submit()
			f.must(ControlProgram, append([]string{"fault"}, tt.fault...)...)
			// Only the hang may meet the timeout; a loaded machine can take
			// a second to start the other calls.
			timeout := 30 * time.Second
			if tt.timedOut {
				timeout = 2 * time.Second
			}
			start := time.Now()
			err := tt.call(newClient(t, timeout))
			if err == nil {
				t.Fatal("no error, want one")
			}
			var ce *slurm.CommandError
			timedOut := errors.As(err, &ce) && ce.TimedOut
			if slurm.IsTransient(err) != tt.transient || timedOut != tt.timedOut {
				t.Errorf("err %v: transient %t timedOut %t; want %t %t", err,
					slurm.IsTransient(err), timedOut, tt.transient, tt.timedOut)
			}
			// Only for sbatch does "may have created the job" mean anything.
			if tt.fault[0] == "sbatch" && slurm.SubmitMayHaveCreatedJob(err) != tt.mayExist {
				t.Errorf("err %v: SubmitMayHaveCreatedJob %t, want %t", err, !tt.mayExist, tt.mayExist)
			}
			if d := time.Since(start); tt.timedOut && d > 20*time.Second {
				t.Errorf("the hung call took %v, want it cut at the 2s timeout", d)
			}
		})
	}
}

func sacctCall(c *slurm.Client) error {
	_, err := c.SacctOn(context.Background(), "", []string{"1"})
	return err
}

func squeueCall(c *slurm.Client) error {
	_, err := c.SqueueOn(context.Background(), "")
	return err
}

func sbatchCall(c *slurm.Client) error {
	_, err := c.Submit(context.Background(), slurm.SubmitRequest{Script: "train.sh"})
	return err
}
