package supervisor

import (
	"context"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// tickWithin runs one pass and fails the test if it has not returned in d.
func (r *rig) tickWithin(d time.Duration) {
	r.t.Helper()
	done := make(chan struct{})
	go func() {
		r.sup.Tick(context.Background())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		r.t.Fatalf("the pass has not returned after %s", d)
	}
}

// TestTickLogNotARegularFile is issue 11: a log that is a FIFO with no
// writer, or /dev/zero, used to block the pass for ever.
func TestTickLogNotARegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.out")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, log := range []string{fifo, "/dev/zero"} {
		r := newRig(t, "d20")
		r.cfg.Runs["d20"].Log = log
		r.restart()
		r.slurm.add("d20-ckpt", "RUNNING", "")
		r.tickWithin(10 * time.Second)
		r.tickWithin(10 * time.Second)
		ev := r.events(run.EventLogUnreadable)
		if len(ev) != 1 || ev[0].ContextMap()[run.FieldReason] != run.ReasonLogNotRegular || ev[0].ContextMap()[run.FieldPath] != log {
			t.Errorf("log %s: log_unreadable events %v; want one, reason %s", log, ev, run.ReasonLogNotRegular)
		}
	}
}

// TestTickHungLogReadOverrun: a log read that hangs is abandoned after its
// deadline, the pass goes on to decide, and a pass that outlives its
// budget is reported while it runs and when it ends.
func TestTickHungLogReadOverrun(t *testing.T) {
	r := newRig(t, "d20")
	r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick() // adopts the job
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	r.sup.logs.timeout = 300 * time.Millisecond
	r.sup.logs.open = func(path string) (*os.File, os.FileInfo, error) {
		<-release
		return openRegular(path)
	}
	r.sup.overrunAfter = 50 * time.Millisecond
	r.tickWithin(10 * time.Second)
	if st := r.state("d20"); st.Phase != run.PhaseRunning {
		t.Errorf("phase %s; want the pass to have decided (running)", st.Phase)
	}
	ev := r.events(run.EventLogUnreadable)
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldReason] != run.ReasonLogReadTimeout {
		t.Errorf("log_unreadable events %v; want one, reason %s", ev, run.ReasonLogReadTimeout)
	}
	over := r.events(run.EventPassOverrun)
	if len(over) != 2 || over[0].ContextMap()[run.FieldState] != "running" || over[1].ContextMap()[run.FieldState] != "ended" {
		t.Errorf("pass_overrun events %v; want running, then ended", over)
	}
}

// TestTickLogMissingOnce: a job running for a while with no log where the
// daemon looks gets one log_missing event naming the path.
func TestTickLogMissingOnce(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	if n := len(r.events(run.EventLogMissing)); n != 0 {
		t.Fatalf("log_missing right after the start: %d events; want none", n)
	}
	r.now = r.now.Add(10 * time.Minute)
	r.tick()
	r.now = r.now.Add(10 * time.Minute)
	r.tick()
	ev := r.events(run.EventLogMissing)
	want := filepath.Join(r.cfg.Runs["d20"].Workdir, "slurm-"+id+".out")
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldPath] != want || ev[0].ContextMap()[run.FieldJobID] != id {
		t.Errorf("log_missing events %v; want one for job %s naming %s", ev, id, want)
	}
}

// TestTickScriptNamedLogs: with no log key the job's log and error file
// are the ones the script's #SBATCH -o/-e name (relative to the workdir,
// %x the job name); a crash's hints come from the error file.
func TestTickScriptNamedLogs(t *testing.T) {
	r := newRig(t, "d20")
	run := r.cfg.Runs["d20"]
	script := "#!/bin/bash\n#SBATCH -J d20-ckpt\n#SBATCH -o logs/%x-%j.out\n#SBATCH --error=logs/%x-%j.err\nexec train \"$@\"\n"
	if err := os.WriteFile(run.Script, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(run.Workdir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.restart()
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	logPath, errPath := r.sup.runs["d20"].jobLogPaths(r.state("d20").Job)
	if want := filepath.Join(run.Workdir, "logs", "d20-ckpt-"+id+".out"); logPath != want {
		t.Errorf("log path %s; want %s", logPath, want)
	}
	if want := filepath.Join(run.Workdir, "logs", "d20-ckpt-"+id+".err"); errPath != want {
		t.Errorf("error path %s; want %s", errPath, want)
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(logPath, "step 01001/21400 (4.68%) | loss: 2.9\n")
	write(errPath, "Traceback (most recent call last):\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\n")
	r.now = r.now.Add(time.Hour)
	r.slurm.set(id, "FAILED", "1:0")
	r.tick()
	job := r.state("d20").Job
	if job == nil || job.ID != id || !slices.Contains(job.Hints, "cuda_oom") {
		t.Errorf("job after its end %+v; want job %s with the cuda_oom hint from the error file", job, id)
	}
}
