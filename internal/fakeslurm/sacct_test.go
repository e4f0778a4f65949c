package fakeslurm

import (
	"strings"
	"testing"
	"time"
)

// at returns the test clock n seconds after t0.
func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// TestJobLifecycleOutput follows one job through PENDING, RUNNING and
// COMPLETED and compares sacct and squeue with lines shaped exactly like
// the real samples in SLURM-FACTS.md.
func TestJobLifecycleOutput(t *testing.T) {
	f := newFake(t)
	f.script("exit.sh", "#!/bin/bash\n#SBATCH -J exit-script\nexit 0\n")
	id := f.submitScript("exit.sh", "--comment=xyz")
	w := f.work
	steps := []struct {
		name       string
		at         int
		control    []string
		sacct, squ string
	}{
		{"pending", 0, nil,
			"1|1|exit-script|PENDING|0:0|2026-11-28T17:45:26|Unknown|Unknown|00:00:00|Partition_Limit|" + w + "|None|||None assigned\n",
			"1|exit-script|PENDING|None|2026-11-28T17:45:26|N/A|UNLIMITED|0:00|" + w + "|xyz\n"},
		{"running, comment only in squeue", 3, []string{"run", id},
			"1|1|exit-script|RUNNING|0:0|2026-11-28T17:45:26|2026-11-28T17:45:29|Unknown|00:00:00|UNLIMITED|" + w + "|None||billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|exit-script|RUNNING|None|2026-11-28T17:45:26|2026-11-28T17:45:29|UNLIMITED|0:00|" + w + "|xyz\n"},
		{"running later", 5, nil,
			"1|1|exit-script|RUNNING|0:0|2026-11-28T17:45:26|2026-11-28T17:45:29|Unknown|00:00:02|UNLIMITED|" + w + "|None||billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|exit-script|RUNNING|None|2026-11-28T17:45:26|2026-11-28T17:45:29|UNLIMITED|0:02|" + w + "|xyz\n"},
		{"completed, comment now in sacct", 5, []string{"set", id, "COMPLETED"},
			"1|1|exit-script|COMPLETED|0:0|2026-11-28T17:45:26|2026-11-28T17:45:29|2026-11-28T17:45:31|00:00:02|UNLIMITED|" + w + "|None|xyz|billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|exit-script|COMPLETED|None|2026-11-28T17:45:26|2026-11-28T17:45:29|UNLIMITED|0:02|" + w + "|xyz\n"},
		{"still in slurmctld before MinJobAge", 14, nil,
			"1|1|exit-script|COMPLETED|0:0|2026-11-28T17:45:26|2026-11-28T17:45:29|2026-11-28T17:45:31|00:00:02|UNLIMITED|" + w + "|None|xyz|billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|exit-script|COMPLETED|None|2026-11-28T17:45:26|2026-11-28T17:45:29|UNLIMITED|0:02|" + w + "|xyz\n"},
		{"gone from squeue after MinJobAge", 15, nil,
			"1|1|exit-script|COMPLETED|0:0|2026-11-28T17:45:26|2026-11-28T17:45:29|2026-11-28T17:45:31|00:00:02|UNLIMITED|" + w + "|None|xyz|billing=1,cpu=1,mem=1G,node=1|vm\n",
			""},
	}
	for _, s := range steps {
		f.at(sec(s.at))
		if s.control != nil {
			f.must(ControlProgram, s.control...)
		}
		if got := f.sacctIDs(id); got != s.sacct {
			t.Errorf("%s: sacct =\n%q, want\n%q", s.name, got, s.sacct)
		}
		if got := f.squeueAll(); got != s.squ {
			t.Errorf("%s: squeue =\n%q, want\n%q", s.name, got, s.squ)
		}
	}
}

func TestEndedRows(t *testing.T) {
	tests := []struct {
		name      string
		submit    []string
		control   [][]string
		at        int
		sacct, sq string
	}{
		{"timeout by the time limit", []string{"-t", "1", "-J", "t"}, [][]string{{"run", "1"}}, 100,
			"1|1|t|TIMEOUT|0:0|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:47:06|00:01:40|00:01:00|W|None||billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|t|TIMEOUT|TimeLimit|2026-11-28T17:45:26|2026-11-28T17:45:26|1:00|1:40|W|(null)\n"},
		{"failed", []string{"-J", "f"}, [][]string{{"run", "1"}, {"set", "1", "FAILED", "3"}}, 5,
			"1|1|f|FAILED|3:0|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:45:26|00:00:00|UNLIMITED|W|None||billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|f|FAILED|NonZeroExitCode|2026-11-28T17:45:26|2026-11-28T17:45:26|UNLIMITED|0:00|W|(null)\n"},
		{"cancelled while pending", []string{"-J", "c", "--comment=tag"}, [][]string{{"set", "1", "CANCELLED"}}, 5,
			"1|1|c|CANCELLED by 1000|0:0|2026-11-28T17:45:26|None|2026-11-28T17:45:26|00:00:00|Partition_Limit|W|None|tag||None assigned\n",
			"1|c|CANCELLED|None|2026-11-28T17:45:26|2026-11-28T17:45:26|UNLIMITED|0:00|W|tag\n"},
		{"out of memory", []string{"-J", "oom", "-t", "1-00:00:00"}, [][]string{{"set", "1", "OUT_OF_MEMORY"}}, 5,
			"1|1|oom|OUT_OF_MEMORY|0:125|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:45:26|00:00:00|1-00:00:00|W|None||billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|oom|OUT_OF_MEMORY|OutOfMemory|2026-11-28T17:45:26|2026-11-28T17:45:26|1-00:00:00|0:00|W|(null)\n"},
		{"preempted with a comment containing |", []string{"-J", "p", "--comment=a|b"}, [][]string{{"run", "1"}, {"set", "1", "PREEMPTED"}}, 5,
			"1|1|p|PREEMPTED|0:0|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:45:26|00:00:00|UNLIMITED|W|None|a|b|billing=1,cpu=1,mem=1G,node=1|vm\n",
			"1|p|PREEMPTED|None|2026-11-28T17:45:26|2026-11-28T17:45:26|UNLIMITED|0:00|W|a|b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.submit(tt.submit...)
			for _, c := range tt.control {
				f.must(ControlProgram, c...)
			}
			f.at(sec(tt.at))
			want := strings.ReplaceAll(tt.sacct, "|W|", "|"+f.work+"|")
			if got := f.sacctIDs("1"); got != want {
				t.Errorf("sacct =\n%q, want\n%q", got, want)
			}
			want = strings.ReplaceAll(tt.sq, "|W|", "|"+f.work+"|")
			if got := f.squeueAll(); got != want {
				t.Errorf("squeue =\n%q, want\n%q", got, want)
			}
			f.must(ControlProgram, "purge")
			if got := f.squeueAll(); got != "" {
				t.Errorf("squeue after purge = %q, want nothing", got)
			}
		})
	}
}

func TestSacctRefusesOtherInvocations(t *testing.T) {
	f := newFake(t)
	f.submit()
	tests := [][]string{
		{"--parsable2", "--noheader", "--format=" + SacctFormat, "-j", "1"},
		{"--parsable2", "-X", "--format=" + SacctFormat, "-j", "1"},
		{"--noheader", "-X", "--format=" + SacctFormat, "-j", "1"},
		{"-P", "-n", "-X", "--format=JobID,State", "-j", "1"},
		{"-P", "-n", "-X", "--format=" + SacctFormat, "-s", "TIMEOUT"},
		{"-P", "-n", "-X", "--format=" + SacctFormat, "-j", "1_2"},
		{"-P", "-n", "-X", "--format=" + SacctFormat, "-S", "tomorrow"},
	}
	for _, args := range tests {
		out, errOut, rc := f.run("sacct", args...)
		if rc != 1 || out != "" || !strings.HasPrefix(errOut, "sacct: error: ") {
			t.Errorf("sacct %q: rc %d stdout %q stderr %q, want rc 1 and an error", args, rc, out, errOut)
		}
	}
	// The spellings the daemon might use are all accepted.
	for _, args := range [][]string{
		{"-P", "-n", "-X", "-o", SacctFormat, "-j1"},
		{"--parsable2", "--noheader", "--allocations", "--format", strings.ToLower(SacctFormat), "--jobs=1"},
	} {
		if out := f.must("sacct", args...); !strings.HasPrefix(out, "1|1|") {
			t.Errorf("sacct %q printed %q, want job 1's row", args, out)
		}
	}
}

func TestSacctWindow(t *testing.T) {
	f := newFake(t)
	yesterday := t0.Add(-24 * time.Hour)
	f.at(yesterday)
	f.submit("-J", "old")
	f.must(ControlProgram, "set", "1", "TIMEOUT")
	f.at(sec(-60))
	f.submit("-J", "today")
	f.submit("-J", "other")
	f.at(t0)
	base := []string{"-P", "-n", "-X", "--format=" + SacctFormat}
	tests := []struct {
		args []string
		want string // job names, in order
	}{
		{nil, "today other"}, // no -S, no -j: since local midnight
		{[]string{"-S", "now-2days", "-E", "now"}, "old today other"},
		{[]string{"-S", "now-2days", "-E", "now", "--name=old,other"}, "old other"},
		{[]string{"-S", "now-2days", "-E", "now-1days"}, "old"},
		{[]string{"-S", "now", "-E", "now"}, "today other"}, // pending: still eligible
		{[]string{"-j", "1,3"}, "old other"},                // -j: any age
		{[]string{"-j", "99"}, ""},
	}
	for _, tt := range tests {
		out := f.must("sacct", append(base, tt.args...)...)
		var names []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if fields := strings.Split(line, "|"); len(fields) > 2 {
				names = append(names, fields[2])
			}
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("sacct %q selected %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestSacctVisibility(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvSacctLag, "2")
	f.submit("-J", "lagged")
	for call := 1; call <= 2; call++ {
		if got := f.sacctIDs("1"); got != "" {
			t.Errorf("sacct call %d during the lag printed %q, want no row", call, got)
		}
	}
	if got := f.sacctIDs("1"); !strings.HasPrefix(got, "1|1|lagged|PENDING|") {
		t.Errorf("sacct after the lag = %q, want the PENDING row", got)
	}
	f.must(ControlProgram, "hide", "1")
	if got := f.sacctIDs("1"); got != "" {
		t.Errorf("sacct of a hidden job = %q, want no row", got)
	}
	if got := f.squeueAll(); !strings.HasPrefix(got, "1|lagged|PENDING|") {
		t.Errorf("squeue of a job hidden from sacct = %q, want its row", got)
	}
	f.must(ControlProgram, "show", "1")
	f.must(ControlProgram, "set", "1", "FAILED", "2:0")
	f.must(ControlProgram, "allocation", "1")
	want := "1|1|allocation|FAILED|2:0|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:45:26|00:00:00|UNLIMITED||None||billing=1,cpu=1,mem=1G,node=1|vm\n"
	if got := f.sacctIDs("1"); got != want {
		t.Errorf("sacct in allocation mode =\n%q, want\n%q", got, want)
	}
	f.must(ControlProgram, "show", "1")
	if got := f.sacctIDs("1"); !strings.HasPrefix(got, "1|1|lagged|FAILED|2:0|") {
		t.Errorf("sacct after show = %q, want the real name back", got)
	}
}

// TestSacctAllocTRES: the GPUs asked of sbatch show in AllocTRES once the
// job started, in the place real Slurm prints gres/gpu.
func TestSacctAllocTRES(t *testing.T) {
	tests := []struct {
		name, value string
		want        int
	}{
		{"gres", "gpu", 1},
		{"gres", "gpu:2", 2},
		{"gres", "gpu:l40s:4", 4},
		{"gres", "shard:2", 0},
		{"gpus", "3", 3},
		{"gpus", "a100:2", 2},
		{"gpus", "x", 0},
	}
	for _, tt := range tests {
		if got := gpuCount(tt.name, tt.value); got != tt.want {
			t.Errorf("gpuCount(%q, %q) = %d, want %d", tt.name, tt.value, got, tt.want)
		}
	}
	if got, want := sacctAllocTRES(&Job{Start: 1, GPUs: 2}), "billing=1,cpu=1,gres/gpu=2,mem=1G,node=1"; got != want {
		t.Errorf("with GPUs: got %q, want %q", got, want)
	}
	if got := sacctAllocTRES(&Job{GPUs: 2}); got != "" {
		t.Errorf("before the start: got %q, want empty", got)
	}
}
