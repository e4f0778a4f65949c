package trainer

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func ptr(v float64) *float64 { return &v }

// sameFloat treats NaN as equal to NaN, unlike ==.
func sameFloat(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b)
}

func samePoints(a, b []Point) bool {
	return slices.EqualFunc(a, b, func(x, y Point) bool { return x.Step == y.Step && sameFloat(x.Value, y.Value) })
}

func parseString(t *testing.T, log string) LogSummary {
	t.Helper()
	sum, err := parseLog(strings.NewReader(log))
	if err != nil {
		t.Fatalf("parseLog: %v", err)
	}
	return sum
}

func TestParseLogFixtures(t *testing.T) {
	tests := []struct {
		file         string
		valbpb, core []Point
		lastStep     int
		planned      int
		resumedFrom  int
		finished     bool
		hints        []string
		timeLimit    bool
		lastLine     string
	}{
		{
			file:     "finished.log",
			valbpb:   []Point{{0, 4.04}, {20, 2.434276}, {40, 1.609871}, {60, 1.186606}},
			core:     []Point{{0, 0.01}, {40, 0.09}, {60, 0.13}},
			lastStep: 59, planned: 60, resumedFrom: -1, finished: true,
			hints:    nil, // the ProcessGroupNCCL exit warning is no failure
			lastLine: "[W1127 09:15:01.123 ProcessGroupNCCL.cpp:1168] Warning: WARNING: process group has NOT been destroyed",
		},
		{
			file:   "resumed_timelimit.log",
			valbpb: []Point{{2000, 1.097614}}, core: []Point{{2000, 0.1487}},
			lastStep: 2030, planned: 21400, resumedFrom: 2000,
			hints: []string{HintTimeLimit}, timeLimit: true,
			lastLine: "slurmstepd-vm: error: *** JOB 3 ON vm CANCELLED AT 2026-11-28T17:43:33 DUE TO TIME LIMIT ***",
		},
		{
			file:     "crash_cuda_oom.log",
			valbpb:   []Point{{0, 4.04}},
			lastStep: 11, planned: 21400, resumedFrom: -1,
			hints:    []string{HintPythonTraceback, HintCUDAOOM},
			lastLine: "srun: error: gpu-node-07: task 0: Exited with exit code 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := parseLog(f)
			if err != nil {
				t.Fatalf("parseLog: %v", err)
			}
			if !samePoints(got.ValBPB, tt.valbpb) {
				t.Errorf("ValBPB = %v, want %v", got.ValBPB, tt.valbpb)
			}
			if !samePoints(got.Core, tt.core) {
				t.Errorf("Core = %v, want %v", got.Core, tt.core)
			}
			if got.LastStep != tt.lastStep || got.PlannedTotal != tt.planned || got.ResumedFrom != tt.resumedFrom {
				t.Errorf("LastStep, PlannedTotal, ResumedFrom = %d, %d, %d, want %d, %d, %d",
					got.LastStep, got.PlannedTotal, got.ResumedFrom, tt.lastStep, tt.planned, tt.resumedFrom)
			}
			if got.Finished != tt.finished {
				t.Errorf("Finished = %v, want %v", got.Finished, tt.finished)
			}
			if !slices.Equal(got.Hints, tt.hints) || slices.Contains(got.Hints, HintTimeLimit) != tt.timeLimit {
				t.Errorf("Hints = %q, want %q (time limit %v)", got.Hints, tt.hints, tt.timeLimit)
			}
			if len(got.LastLines) != MaxLastLines {
				t.Fatalf("len(LastLines) = %d, want %d", len(got.LastLines), MaxLastLines)
			}
			if last := got.LastLines[len(got.LastLines)-1]; !strings.HasPrefix(last, tt.lastLine) {
				t.Errorf("last line = %q, want prefix %q", last, tt.lastLine)
			}
		})
	}
}

func TestParseLogLines(t *testing.T) {
	tests := []struct {
		name     string
		log      string
		valbpb   []Point
		core     []Point
		lastStep int
		planned  int
		finished bool
	}{
		{name: "empty", log: "", lastStep: -1},
		{
			name:   "python nan and inf",
			log:    "Step 00100 | Validation bpb: nan\nStep 00200 | Validation bpb: inf\nStep 00200 | CORE metric: -inf\n",
			valbpb: []Point{{100, math.NaN()}, {200, math.Inf(1)}}, core: []Point{{200, math.Inf(-1)}},
			lastStep: -1,
		},
		{
			name:     "garbage numbers are left out, not fatal",
			log:      "Step 00100 | Validation bpb: 0.9x\nStep 00100 | CORE metric: \nValidation bpb: 0.8\nStep 00200 | Validation bpb: 0.7\n",
			valbpb:   []Point{{200, 0.7}},
			lastStep: -1,
		},
		{
			name:     "srun and torchrun prefixes",
			log:      "0: Step 00100 | Validation bpb: 0.91\n[rank0]: step 00101/00500 (20.20%) | loss: 3.1\n",
			valbpb:   []Point{{100, 0.91}},
			lastStep: 101, planned: 500,
		},
		{
			name:     "ANSI codes inside the tokens",
			log:      "\x1b[1mStep\x1b[0m 00300 | \x1b[32mValidation bpb:\x1b[0m \x1b[1;32m0.85\x1b[0m\n\x1b[2Kstep 00301/00500 (60.20%)\n",
			valbpb:   []Point{{300, 0.85}},
			lastStep: 301, planned: 500,
		},
		{
			name:     "carriage-return progress bars",
			log:      "step 00001/00010 (10.00%) | a\rstep 00002/00010 (20.00%) | b\rstep 00003/00010 (30.00%) | c\r\nStep 00003 | CORE metric: 0.2\r\n",
			core:     []Point{{3, 0.2}},
			lastStep: 3, planned: 10,
		},
		{
			name:     "unterminated last line is not trusted",
			log:      "Step 00100 | Validation bpb: 0.81\nStep 00200 | Validation bpb: 0.7",
			valbpb:   []Point{{100, 0.81}},
			lastStep: -1,
		},
		{
			name:     "end of run, then another job appends",
			log:      "step 00009/00010 (90.00%)\nTotal training time: 1.00m\nstep 00000/00010 (0.00%)\n",
			lastStep: 9, planned: 10, finished: false,
		},
		{
			name:     "total training time alone finishes",
			log:      "step 00009/00010 (90.00%)\nTotal training time: 1.00m\n",
			lastStep: 9, planned: 10, finished: true,
		},
		{
			name:     "minimum validation bpb alone finishes",
			log:      "step 00009/00010 (90.00%)\nMinimum validation bpb: 0.9\n",
			lastStep: 9, planned: 10, finished: true,
		},
		{
			name:     "not progress lines",
			log:      "Resuming optimization from step 2000\nsubstep 3/4\nstep 12/\nstep /12\nthe step 5 of 7\n",
			lastStep: -1,
		},
		{
			name:     "absurd step numbers",
			log:      "Step 99999999999999999999999 | Validation bpb: 0.1\nstep 99999999999999999999999/1 (0%)\n",
			lastStep: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseString(t, tt.log)
			if !samePoints(got.ValBPB, tt.valbpb) || !samePoints(got.Core, tt.core) {
				t.Errorf("ValBPB, Core = %v, %v, want %v, %v", got.ValBPB, got.Core, tt.valbpb, tt.core)
			}
			if got.LastStep != tt.lastStep || got.PlannedTotal != tt.planned {
				t.Errorf("LastStep, PlannedTotal = %d, %d, want %d, %d", got.LastStep, got.PlannedTotal, tt.lastStep, tt.planned)
			}
			if got.Finished != tt.finished {
				t.Errorf("Finished = %v, want %v", got.Finished, tt.finished)
			}
		})
	}
}

func TestParseLogResumeAndMinimum(t *testing.T) {
	got := parseString(t, "Resuming optimization from step 2000\nResuming optimization from step 4000\n"+
		"Minimum validation bpb: 0.745120\nMinimum validation bpb: oops\n")
	if got.ResumedFrom != 4000 {
		t.Errorf("ResumedFrom = %d, want 4000", got.ResumedFrom)
	}
	if !got.Finished {
		t.Errorf("Finished = false, want true")
	}
}

func TestParseLogLastLines(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		b.WriteString("line " + string(rune('A'+i)) + "\n\n   \n")
	}
	got := parseString(t, b.String())
	if len(got.LastLines) != MaxLastLines {
		t.Fatalf("len(LastLines) = %d, want %d", len(got.LastLines), MaxLastLines)
	}
	if got.LastLines[0] != "line K" || got.LastLines[MaxLastLines-1] != "line ^" {
		t.Errorf("LastLines = %q, want line K .. line ^", got.LastLines)
	}
}

// parseLog feeds r to a fresh parser in r's own chunks, as LogTail does.
func parseLog(r io.Reader) (LogSummary, error) {
	p := newLogParser()
	_, err := io.Copy(p, r)
	return p.summary(), err
}
