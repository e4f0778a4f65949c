package fakeslurm

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		args []string
		want Fault
	}{
		{[]string{"sacct"}, Fault{Cmd: "sacct", RC: 1, DefaultStderr: true, Times: 1}},
		{[]string{"scancel"}, Fault{Cmd: "scancel", RC: 8, DefaultStderr: true, Times: 1}},
		{[]string{"sacct", "--rc", "1", "--stderr", "boom", "--times", "3"},
			Fault{Cmd: "sacct", RC: 1, Stderr: "boom", Times: 3}},
		{[]string{"sacct", "--stdout", "garbage|x"}, Fault{Cmd: "sacct", Stdout: str("garbage|x"), Times: 1}},
		{[]string{"sacct", "--stdout="}, Fault{Cmd: "sacct", Stdout: str(""), Times: 1}},
		{[]string{"squeue", "--sleep", "2s"}, Fault{Cmd: "squeue", SleepMS: 2000, Times: 1}},
		{[]string{"squeue", "--sleep=1s", "--rc=1"}, Fault{Cmd: "squeue", SleepMS: 1000, RC: 1, DefaultStderr: true, Times: 1}},
		{[]string{"sbatch", "--create"}, Fault{Cmd: "sbatch", RC: 1, DefaultStderr: true, Create: true, Times: 1}},
		{[]string{"sbatch", "--times", "0"}, Fault{Cmd: "sbatch", RC: 1, DefaultStderr: true, Times: -1}},
	}
	for _, tt := range tests {
		got, err := ParseFault(tt.args)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", tt.args, got, err, tt.want)
		}
	}
}

func TestFaults(t *testing.T) {
	sacctArgs := []string{"-P", "-n", "-X", "--format=" + captureSacctFormat, "-j", "1"}
	sqArgs := []string{"--noheader", "--me", "--states=all", "--format=" + pipeSqueueFormat}
	tests := []struct {
		name       string
		fault      []string
		prog       string
		args       []string
		wantOut    string
		wantStderr string
		wantRC     int
	}{
		{"sacct database down", []string{"sacct"}, "sacct", sacctArgs, "", outageStderr("sacct", nil), 1},
		{"sacct garbage", []string{"sacct", "--stdout", "1|1|x|WHAT\n"}, "sacct", sacctArgs, "1|1|x|WHAT\n", "", 0},
		{"sacct empty output", []string{"sacct", "--stdout", ""}, "sacct", sacctArgs, "", "", 0},
		{"squeue controller down", []string{"squeue"}, "squeue", sqArgs, "",
			"slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n", 1},
		{"scancel controller down", []string{"scancel"}, "scancel", []string{"1"}, "",
			"scancel: error: Kill job error on job id 1: Unable to contact slurm controller (connect failure)\n", 8},
		{"sbatch custom", []string{"sbatch", "--rc", "1", "--stderr", "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"},
			"sbatch", []string{"--parsable", "train.sh"}, "",
			"sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.submit()
			f.must(ControlProgram, append([]string{"fault"}, tt.fault...)...)
			out, errOut, rc := f.run(tt.prog, tt.args...)
			if out != tt.wantOut || errOut != tt.wantStderr || rc != tt.wantRC {
				t.Errorf("got rc %d stdout %q stderr %q; want rc %d stdout %q stderr %q",
					rc, out, errOut, tt.wantRC, tt.wantOut, tt.wantStderr)
			}
			// The fault is used up: the next call answers normally.
			if _, errOut, rc := f.run(tt.prog, tt.args...); rc != 0 && tt.prog != "scancel" {
				t.Errorf("second call: rc %d stderr %q, want a normal answer", rc, errOut)
			}
			if got := len(f.world().Jobs); tt.prog == "sbatch" && got != 2 {
				t.Errorf("%d jobs after a failed and a good sbatch, want 2", got)
			}
		})
	}
}

func TestFaultCreateThenFail(t *testing.T) {
	f := newFake(t)
	f.script("train.sh", "#!/bin/sh\n")
	f.must(ControlProgram, "fault", "sbatch", "--create")
	out, errOut, rc := f.run("sbatch", "--parsable", "--comment=nsv:r1:a1", "train.sh")
	if rc != 1 || out != "" || errOut != socketTimeoutStderr {
		t.Errorf("rc %d stdout %q stderr %q, want rc 1, no id, %q", rc, out, errOut, socketTimeoutStderr)
	}
	j := f.world().job(1)
	if j == nil || j.Comment != "nsv:r1:a1" {
		t.Fatalf("job 1 = %+v, want the job created with its comment", j)
	}
	calls, err := ReadSbatchLog(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].JobID != "1" || calls[0].RC != 1 {
		t.Errorf("sbatch.log = %+v, want one call that created job 1 and failed", calls)
	}
}

func TestFaultTimesAndClear(t *testing.T) {
	f := newFake(t)
	f.submit()
	f.must(ControlProgram, "fault", "sacct", "--times", "2")
	f.must(ControlProgram, "fault", "squeue", "--times", "0")
	for call := 1; call <= 3; call++ {
		_, _, rc := f.run("sacct", "-P", "-n", "-X", "--format="+captureSacctFormat, "-j", "1")
		if want := map[bool]int{true: 1, false: 0}[call <= 2]; rc != want {
			t.Errorf("sacct call %d: rc %d, want %d", call, rc, want)
		}
	}
	for call := 1; call <= 3; call++ {
		if _, _, rc := f.run("squeue", "--noheader", "--format="+pipeSqueueFormat); rc != 1 {
			t.Errorf("squeue call %d with a lasting fault: rc %d, want 1", call, rc)
		}
	}
	f.must(ControlProgram, "clear-faults")
	f.squeueAll()
}

func TestFaultSleepAnswersLate(t *testing.T) {
	f := newFake(t)
	f.submit()
	f.must(ControlProgram, "fault", "sacct", "--sleep", "300ms")
	start := time.Now()
	got := f.sacctIDs("1")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("sacct answered after %v, want at least 300ms", d)
	}
	if !strings.HasPrefix(got, "1|1|train.sh|PENDING|") {
		t.Errorf("sacct after the delay = %q, want the normal row", got)
	}
}
