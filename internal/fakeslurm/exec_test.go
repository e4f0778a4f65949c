package fakeslurm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newExecFake is a fake that really runs the scripts it is given.
func newExecFake(t *testing.T) *fake {
	f := newFake(t)
	t.Setenv(EnvExec, "1")
	t.Cleanup(func() { f.run(ControlProgram, "kill-jobs") })
	return f
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestExecRunsScript(t *testing.T) {
	tests := []struct {
		name, body, wantState, wantExit string
	}{
		{"exit 0", "exit 0", "COMPLETED", "0:0"},
		{"exit 3", "exit 3", "FAILED", "3:0"},
		{"exit 143", "exit 143", "FAILED", "15:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newExecFake(t)
			f.script("job.sh", "#!/bin/bash\n#SBATCH -J exec-test\necho \"id=$SLURM_JOB_ID name=$SLURM_JOB_NAME args=$* pwd=$PWD\"\necho oops >&2\n"+tt.body+"\n")
			id := f.submitScript("job.sh", "-o", "%x-%j.log")
			// Exec jobs start at once.
			if got := f.sacctStates(id); got != "1:RUNNING:0:0" && got != "1:"+tt.wantState+":"+tt.wantExit {
				t.Errorf("right after sbatch: %q, want RUNNING or already ended", got)
			}
			status := f.world().job(1).Exec.StatusFile
			waitFor(t, "the script to exit", func() bool { return fileExists(status) })
			if got, want := f.sacctStates(id), "1:"+tt.wantState+":"+tt.wantExit; got != want {
				t.Errorf("after the script exited: %q, want %q", got, want)
			}
			out, err := os.ReadFile(filepath.Join(f.work, "exec-test-1.log"))
			if err != nil {
				t.Fatal(err)
			}
			if want := "id=1 name=exec-test args= pwd=" + f.work + "\noops\n"; string(out) != want {
				t.Errorf("job output = %q, want %q", out, want)
			}
		})
	}
}

func TestExecDefaultOutputAndArgs(t *testing.T) {
	f := newExecFake(t)
	sub := filepath.Join(f.work, "run")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	f.script("job.sh", "#!/bin/bash\nprintf '%s,' \"$@\"\n")
	f.must("sbatch", "--parsable", "--chdir=run", "job.sh", "2000", "two words")
	waitFor(t, "the script to exit", func() bool { return fileExists(f.world().job(1).Exec.StatusFile) })
	out, err := os.ReadFile(filepath.Join(sub, "slurm-1.out"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "2000,two words,"; string(out) != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

func TestExecTimeLimitAndCancelKill(t *testing.T) {
	for _, how := range []string{"timeout", "scancel"} {
		t.Run(how, func(t *testing.T) {
			f := newExecFake(t)
			f.script("job.sh", "#!/bin/bash\nsleep 30\n")
			id := f.submitScript("job.sh", "-t", "1")
			pid := f.world().job(1).Exec.PID
			want := "1:TIMEOUT:0:0"
			if how == "scancel" {
				f.must("scancel", id)
				want = "1:CANCELLED by 1000:0:0"
			} else {
				f.at(sec(61)) // the fake's clock passes the 1-minute limit
			}
			if got := f.sacctStates(id); got != want {
				t.Errorf("sacct = %q, want %q", got, want)
			}
			waitFor(t, "the job's processes to die", func() bool { return processGone(pid) })
		})
	}
}

func TestExecKillAfterKillWait(t *testing.T) {
	f := newExecFake(t)
	t.Setenv(EnvKillWait, "5")
	// The script ignores TERM: only the SIGKILL after KillWait ends it.
	f.script("job.sh", "#!/bin/bash\ntrap '' TERM\ntouch ready\nwhile :; do sleep 0.1; done\n")
	id := f.submitScript("job.sh")
	pid := f.world().job(1).Exec.PID
	waitFor(t, "the script to ignore TERM", func() bool { return fileExists(filepath.Join(f.work, "ready")) })
	f.must("scancel", id)
	time.Sleep(300 * time.Millisecond)
	if processGone(pid) {
		t.Fatal("the job died before KillWait, want it to survive SIGTERM")
	}
	f.at(sec(5))
	f.squeueAll()
	waitFor(t, "SIGKILL after KillWait", func() bool { return processGone(pid) })
}

func TestExecJobKilledFromOutside(t *testing.T) {
	f := newExecFake(t)
	f.script("job.sh", "#!/bin/bash\nsleep 30\n")
	id := f.submitScript("job.sh")
	killGroup(f.world().job(1).Exec.PID)
	waitFor(t, "the job to be seen dead", func() bool {
		return strings.Contains(f.sacctStates(id), "FAILED")
	})
	if got, want := f.sacctStates(id), "1:FAILED:0:9"; got != want {
		t.Errorf("sacct = %q, want %q", got, want)
	}
}

func TestExecUnopenableOutputFailsTheJob(t *testing.T) {
	f := newExecFake(t)
	f.script("job.sh", "#!/bin/bash\ntouch ran\n")
	id := f.submitScript("job.sh", "-o", "no/such/dir/%j.out")
	if got, want := f.sacctStates(id), "1:FAILED:1:0"; got != want {
		t.Errorf("sacct = %q, want %q", got, want)
	}
	if fileExists(filepath.Join(f.work, "ran")) {
		t.Error("the script ran although its output file could not be opened")
	}
}

// A job's stdout and stderr in one file (no --error, or --error naming the
// --output file) keep every line of both, in the order written: the two
// descriptors append, as slurmstepd's do.
func TestExecStdoutAndStderrShareTheLog(t *testing.T) {
	for _, args := range [][]string{{"-o", "%x-%j.log"}, {"-o", "%x-%j.log", "-e", "%x-%j.log"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			f := newExecFake(t)
			f.script("job.sh", "#!/bin/bash\n#SBATCH -J share\necho one\necho two >&2\necho three\necho four >&2\n")
			f.submitScript("job.sh", args...)
			waitFor(t, "the script to exit", func() bool { return fileExists(f.world().job(1).Exec.StatusFile) })
			out, err := os.ReadFile(filepath.Join(f.work, "share-1.log"))
			if err != nil {
				t.Fatal(err)
			}
			if want := "one\ntwo\nthree\nfour\n"; string(out) != want {
				t.Errorf("job output = %q, want %q", out, want)
			}
		})
	}
}
