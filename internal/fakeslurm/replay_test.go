package fakeslurm

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// realCaptureDir is resolved when the package loads, before tests change
// their working directory.
var realCaptureDir, _ = filepath.Abs(filepath.Join("testdata", "real"))

// realCapture reads a file of testdata/real with the capture's job
// directory replaced by the fake's.
func realCapture(t *testing.T, name, workdir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(realCaptureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), "/home/alice/nanochat", workdir)
}

// wall pins the fake's clock to a wall-clock time of the capture. The
// captures print local times, and so does the fake, so reading the time
// in the local zone reproduces the same text in any zone.
func (f *fake) wall(hms string) {
	f.t.Helper()
	at, err := time.ParseInLocation(slurmTimeLayout, "2026-11-28T"+hms, time.Local)
	if err != nil {
		f.t.Fatal(err)
	}
	f.at(at)
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// replayStep is one thing that happened on the real cluster, at a time.
type replayStep struct {
	at   string
	prog string
	args []string
}

// The real timeline, as far as the captures show it (capture-testdata.sh):
// submissions, starts and ends of jobs 7 to 19. Jobs 13 and 16-18 are ones
// the captures leave out. It is cut where a capture was taken.
var (
	untilRunningSqueue = []replayStep{
		{"18:33:57", "sbatch", []string{"--parsable", "--time=1", "-J", "timeout", "exit.sh", "0", "300"}},
		{"18:33:58", ControlProgram, []string{"run", "7"}},
		{"18:33:59", "sbatch", []string{"--parsable", "exit.sh", "0", "2"}},
		{"18:33:59", "sbatch", []string{"--parsable", "-J", "fail3", "exit.sh", "3", "2"}},
		{"18:33:59", "sbatch", []string{"--parsable", "--comment=nsv:d20:1:abc123", "-J", "d20", "exit.sh", "0", "5"}},
		{"18:34:01", ControlProgram, []string{"run", "8"}},
		{"18:34:04", ControlProgram, []string{"set", "8", "COMPLETED"}},
		{"18:34:04", ControlProgram, []string{"run", "9"}},
		{"18:34:07", ControlProgram, []string{"set", "9", "FAILED", "3:0"}},
		{"18:34:07", ControlProgram, []string{"run", "10"}},
	}
	untilPendingSacct = []replayStep{
		{"18:34:12", ControlProgram, []string{"set", "10", "COMPLETED"}},
		{"18:34:13", "sbatch", []string{"--parsable", "-J", "hang", "exit.sh"}},
		{"18:34:16", ControlProgram, []string{"run", "11"}},
		{"18:34:16", "scancel", []string{"11"}},
		{"18:34:19", "sbatch", []string{"--parsable", "-J", "wide", "-c", "2", "exit.sh"}},
	}
	untilMixedSacct = []replayStep{
		{"18:35:13", ControlProgram, []string{"run", "12"}}, // job 7 reaches TIMEOUT on this call
		{"18:35:16", ControlProgram, []string{"set", "12", "COMPLETED"}},
		{"18:35:16", "sbatch", []string{"--parsable", "-J", "left-out", "exit.sh"}}, // 13
		{"18:35:17", "sbatch", []string{"--parsable", "-J", "preemptee", "-p", "cancelme", "exit.sh"}},
		{"18:35:28", ControlProgram, []string{"run", "14"}},
		{"18:35:28", "sbatch", []string{"--parsable", "-J", "urgent", "-p", "urgent", "exit.sh"}},
		{"18:35:29", ControlProgram, []string{"set", "14", "PREEMPTED"}},
		{"18:35:29", ControlProgram, []string{"run", "15"}},
		{"18:35:31", ControlProgram, []string{"set", "15", "COMPLETED"}},
		{"18:35:34", "sbatch", []string{"--parsable", "-J", "arr", "exit.sh"}}, // 16-18: the array
		{"18:35:34", "sbatch", []string{"--parsable", "-J", "arr", "exit.sh"}},
		{"18:35:34", "sbatch", []string{"--parsable", "-J", "arr", "exit.sh"}},
		{"18:35:40", ControlProgram, []string{"run", "19"}},
		{"18:35:41", ControlProgram, []string{"set", "19", "COMPLETED"}},
	}
)

func (f *fake) replay(steps []replayStep) {
	f.t.Helper()
	for _, s := range steps {
		f.wall(s.at)
		f.must(s.prog, s.args...)
	}
}

func TestReplayRealCaptures(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvFirstID, "7")
	t.Setenv(EnvUID, "0") // the captures were made by root
	f.script("exit.sh", "#!/bin/bash\n#SBATCH -J exit-script\nsleep \"${2:-0}\"\nexit \"${1:-0}\"\n")
	sacct := func(ids string) string {
		return f.must("sacct", "--parsable2", "--noheader", "-X", "-j", ids, "--format="+LegacySacctFormat)
	}

	f.replay(untilRunningSqueue)
	if got, want := f.world().job(7).Name, "timeout"; got != want {
		t.Fatalf("job 7 is %q, want %q: the ids are off", got, want)
	}
	f.wall("18:34:08")
	if got, want := sortedLines(f.squeueAll()), sortedLines(realCapture(t, "running.squeue", f.work)); got != want {
		t.Errorf("squeue at 18:34:08 =\n%s\nwant (running.squeue)\n%s", got, want)
	}

	f.replay(untilPendingSacct)
	if got, want := sacct("12"), realCapture(t, "pending.sacct", f.work); got != want {
		t.Errorf("sacct of the pending job =\n%s\nwant (pending.sacct)\n%s", got, want)
	}

	f.replay(untilMixedSacct[:len(untilMixedSacct)-2])
	f.wall("18:35:39")
	if got, want := f.must("sbatch", "--parsable", "-M", "lab", "exit.sh", "0", "1"), realCapture(t, "cluster.sbatch", f.work); got != want {
		t.Errorf("sbatch -M lab printed %q, want %q (cluster.sbatch)", got, want)
	}
	f.replay(untilMixedSacct[len(untilMixedSacct)-2:])
	f.wall("18:40:00")
	if got, want := sacct("7,8,9,10,11,12,14,15,19"), realCapture(t, "mixed.sacct", f.work); got != want {
		t.Errorf("sacct after the jobs ended =\n%s\nwant (mixed.sacct)\n%s", got, want)
	}
}

func TestReplayRealSbatchOutput(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvFirstID, "7")
	f.script("exit.sh", "#!/bin/bash\n")
	if got, want := f.must("sbatch", "--parsable", "--time=1", "-J", "timeout", "exit.sh", "0", "300"), realCapture(t, "submit.sbatch", f.work); got != want {
		t.Errorf("sbatch printed %q, want %q (submit.sbatch)", got, want)
	}
}

func TestReplayRealStderr(t *testing.T) {
	sacctArgs := []string{"--parsable2", "--noheader", "-X", "-j", "1", "--format=" + LegacySacctFormat}
	tests := []struct {
		capture string
		env     map[string]string
		fault   []string
		prog    string
		args    []string
		wantRC  int
	}{
		{"sacct_dbd_down.stderr", nil, []string{"sacct"}, "sacct", sacctArgs, 1},
		{"squeue_ctld_down.stderr", nil, []string{"squeue"}, "squeue",
			[]string{"--noheader", "--me", "--states=all", "--format=" + pipeSqueueFormat}, 1},
		{"sbatch_ctld_down.stderr", nil, []string{"sbatch"}, "sbatch", []string{"--parsable", "exit.sh"}, 1},
		{"sbatch_invalid_account.stderr", map[string]string{EnvAccounts: "lab"}, nil, "sbatch",
			[]string{"--parsable", "-A", "nosuchacct", "exit.sh"}, 1},
		{"sbatch_invalid_partition.stderr", map[string]string{EnvPartitions: "debug,cancelme,urgent"}, nil, "sbatch",
			[]string{"--parsable", "-p", "nosuchpart", "exit.sh"}, 1},
		{"sbatch_no_script.stderr", nil, nil, "sbatch", []string{"--parsable", "/nonexistent/train.sh"}, 1},
		{"scancel_invalid_job.stderr", nil, nil, "scancel", []string{"999999"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			f := newFake(t)
			f.script("exit.sh", "#!/bin/bash\n")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.fault != nil {
				f.must(ControlProgram, append([]string{"fault"}, tt.fault...)...)
			}
			out, errOut, rc := f.run(tt.prog, tt.args...)
			if want := realCapture(t, tt.capture, f.work); out != "" || errOut != want || rc != tt.wantRC {
				t.Errorf("rc %d stdout %q stderr %q; want rc %d, no stdout, stderr %q", rc, out, errOut, tt.wantRC, want)
			}
		})
	}
}

// TestReplayRealOddNames replays testdata/real/unitsep/odd_names.*: a job
// named x|y with a comment holding '|' and a tagged d20 job, both in a
// directory odd|dir, read with pkg/slurm's 0x1F delimiter.
func TestReplayRealOddNames(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvFirstID, "18")
	t.Setenv(EnvUID, "0")
	f.script("exit.sh", "#!/bin/bash\n")
	odd := filepath.Join(f.work, "odd|dir")
	if err := os.Mkdir(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	at := func(hms string) {
		t.Helper()
		tm, err := time.ParseInLocation(slurmTimeLayout, "2026-12-03T"+hms, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		f.at(tm)
	}
	at("09:41:17")
	f.must("sbatch", "--parsable", "-D", odd, "-J", "x|y", "--comment=note|with|pipes", "exit.sh", "0", "8")
	f.must("sbatch", "--parsable", "-D", odd, "-J", "d20", "--comment=nsv:d20:1:abc123", "exit.sh", "3", "8")
	f.must(ControlProgram, "run", "18")
	at("09:41:25")
	f.must(ControlProgram, "set", "18", "COMPLETED")
	f.must(ControlProgram, "run", "19")
	at("09:41:26")
	squeue := f.must("squeue", "--noheader", "--states=all", "-j", "18,19", "--format="+SqueueFormat)
	if want := realCapture(t, "unitsep/odd_names.squeue", f.work); squeue != want {
		t.Errorf("squeue =\n%q\nwant (odd_names.squeue)\n%q", squeue, want)
	}
	at("09:42:51")
	f.must(ControlProgram, "set", "19", "FAILED", "3:0")
	sacct := f.must("sacct", "--parsable2", "--noheader", "-X", "--delimiter=\x1f", "-j", "18,19", "--format="+LegacySacctFormat)
	if want := realCapture(t, "unitsep/odd_names.sacct", f.work); sacct != want {
		t.Errorf("sacct =\n%q\nwant (odd_names.sacct)\n%q", sacct, want)
	}
}
