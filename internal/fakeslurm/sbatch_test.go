package fakeslurm

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSbatchRecordsJob(t *testing.T) {
	tests := []struct {
		name   string
		script string
		args   []string
		check  func(t *testing.T, j *Job, work string)
	}{
		{
			name: "name defaults to the script basename", script: "#!/bin/bash\necho\n",
			args: []string{"run.sh", "2000", "second"},
			check: func(t *testing.T, j *Job, work string) {
				want := Job{ID: 1, Name: "run.sh", Script: "run.sh", Args: []string{"2000", "second"},
					WorkDir: work, State: statePending, ExitCode: "0:0", Submit: t0.Unix()}
				if !reflect.DeepEqual(*j, want) {
					t.Errorf("job = %+v, want %+v", *j, want)
				}
			},
		},
		{
			name: "#SBATCH directives apply", script: "#!/bin/bash\n#SBATCH -J from-script\n#SBATCH --time=1:00:00 # limit\n#SBATCH --output=logs/%x-%j.out\n\necho\n#SBATCH -J too-late\n",
			args: []string{"run.sh"},
			check: func(t *testing.T, j *Job, _ string) {
				if j.Name != "from-script" || j.TimeLimitMin != 60 || j.Output != "logs/%x-%j.out" {
					t.Errorf("got name %q limit %d output %q, want from-script 60 logs/%%x-%%j.out", j.Name, j.TimeLimitMin, j.Output)
				}
			},
		},
		{
			name: "command line beats #SBATCH", script: "#!/bin/bash\n#SBATCH --job-name=exit-script\n#SBATCH -t 5\n",
			args: []string{"--comment=xyz", "-J", "cli-name", "--time", "1-00:00:00", "-p", "gpu", "-A", "lab", "-c", "4", "--mem=8G", "--signal=B:USR1@60", "--export=ALL", "--gres=gpu:8", "--exclusive", "--x-unknown=1", "run.sh", "0", "25"},
			check: func(t *testing.T, j *Job, _ string) {
				got := []string{j.Name, j.Comment, j.Partition, j.Account, strings.Join(j.Args, " ")}
				want := []string{"cli-name", "xyz", "gpu", "lab", "0 25"}
				if !reflect.DeepEqual(got, want) || j.TimeLimitMin != 1440 {
					t.Errorf("got %q limit %d, want %q limit 1440", got, j.TimeLimitMin, want)
				}
			},
		},
		{
			name: "chdir is the workdir, relative to cwd", script: "#!/bin/sh\n",
			args: []string{"-D", "sub/dir", "-Jx", "run.sh"},
			check: func(t *testing.T, j *Job, work string) {
				if want := filepath.Join(work, "sub/dir"); j.WorkDir != want || j.Name != "x" {
					t.Errorf("workdir %q name %q, want %q x", j.WorkDir, j.Name, want)
				}
			},
		},
		{
			name: "options after the script belong to the script", script: "#!/bin/sh\n",
			args: []string{"run.sh", "-J", "not-mine"},
			check: func(t *testing.T, j *Job, _ string) {
				if j.Name != "run.sh" || !reflect.DeepEqual(j.Args, []string{"-J", "not-mine"}) {
					t.Errorf("name %q args %q, want run.sh [-J not-mine]", j.Name, j.Args)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.script("run.sh", tt.script)
			if got := f.must("sbatch", append([]string{"--parsable"}, tt.args...)...); got != "1\n" {
				t.Fatalf("sbatch printed %q, want %q", got, "1\n")
			}
			tt.check(t, f.world().job(1), f.work)
		})
	}
}

func TestSbatchOutputForms(t *testing.T) {
	f := newFake(t)
	f.script("run.sh", "#!/bin/sh\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--parsable", "run.sh"}, "1\n"},
		{[]string{"--parsable", "-M", "lab", "run.sh"}, "2;lab\n"},
		{[]string{"run.sh"}, "Submitted batch job 3\n"},
		{[]string{"--parsable", "--wrap", "sleep 1"}, "4\n"},
	}
	for _, tt := range tests {
		if got := f.must("sbatch", tt.args...); got != tt.want {
			t.Errorf("sbatch %q printed %q, want %q", tt.args, got, tt.want)
		}
	}
	if got := f.world().job(4).Name; got != "wrap" {
		t.Errorf("--wrap job name = %q, want wrap", got)
	}
}

func TestSbatchRefusals(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantStderr string
	}{
		{"missing script", nil, []string{"--parsable", "nope.sh"},
			"sbatch: error: Unable to open file nope.sh\n"},
		{"no shebang", nil, []string{"--parsable", "plain.sh"}, noShebangStderr},
		{"bad time", nil, []string{"--parsable", "-t", "soon", "run.sh"},
			"sbatch: error: Invalid --time specification\n"},
		{"unknown short option", nil, []string{"--parsable", "-z", "run.sh"},
			"sbatch: invalid option -- 'z'\nTry \"sbatch --help\" for more information\n"},
		{"unknown partition", map[string]string{EnvPartitions: "debug,gpu"}, []string{"--parsable", "-p", "nopart", "run.sh"},
			"sbatch: error: invalid partition specified: nopart\nsbatch: error: Batch job submission failed: Invalid partition name specified\n"},
		{"unknown account", map[string]string{EnvAccounts: "lab"}, []string{"--parsable", "-A", "nope", "run.sh"},
			"sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n"},
		{"every node excluded", nil, []string{"--parsable", "--exclude=gpu01," + FakeNode, "run.sh"},
			"sbatch: error: Batch job submission failed: Requested node configuration is not available\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.script("run.sh", "#!/bin/sh\n")
			f.script("plain.sh", "echo no interpreter\n")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			out, errOut, rc := f.run("sbatch", tt.args...)
			if rc != 1 || out != "" || errOut != tt.wantStderr {
				t.Errorf("got rc %d stdout %q stderr %q, want rc 1, no stdout, stderr %q", rc, out, errOut, tt.wantStderr)
			}
			if n := len(f.world().Jobs); n != 0 {
				t.Errorf("%d jobs created, want 0", n)
			}
		})
	}
}

func TestSbatchLog(t *testing.T) {
	f := newFake(t)
	// Prefixes no CI environment sets, so that only these are recorded.
	t.Setenv(EnvRecordEnv, "FAKETEST_, RUN_TAG")
	t.Setenv("FAKETEST_RUN", "d20")
	t.Setenv("RUN_TAG_X", "t1")
	t.Setenv("OTHER_VAR", "no")
	f.script("run.sh", "#!/bin/sh\n")
	f.must("sbatch", "--parsable", "--comment=nsv:d20:1", "run.sh", "2000")
	f.run("sbatch", "--parsable", "missing.sh")
	calls, err := ReadSbatchLog(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FAKETEST_RUN": "d20", "RUN_TAG_X": "t1"}
	want := []SbatchCall{
		{Argv: []string{"--parsable", "--comment=nsv:d20:1", "run.sh", "2000"}, Cwd: f.work, JobID: "1", Env: env},
		{Argv: []string{"--parsable", "missing.sh"}, Cwd: f.work, RC: 1, Env: env},
	}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("sbatch.log = %+v, want %+v", calls, want)
	}
}

func TestScriptDirectives(t *testing.T) {
	script := "#!/bin/bash\n# comment\n\n#SBATCH --job-name=\"quoted name\"\n#SBATCH -t 10 -c2\n#SBATCHX ignored\n#  SBATCH not a directive\necho run\n#SBATCH -J late\n"
	got, err := scriptDirectives([]byte(script))
	if err != nil {
		t.Fatal(err)
	}
	want := []sbatchOpt{{"job-name", "quoted name"}, {"time", "10"}, {"cpus-per-task", "2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("directives = %q, want %q", got, want)
	}
	if _, err := scriptDirectives([]byte("#!/bin/sh\n#SBATCH -J x extra\n")); err == nil {
		t.Error("an operand in an #SBATCH line was accepted, want an error")
	}
}

func FuzzParseSbatchArgs(f *testing.F) {
	f.Add("--parsable -J name run.sh 1 2")
	f.Add("-Jx -t1 --comment=a|b --x=y -- run.sh")
	f.Add("-QvJ n s.sh")
	f.Add("--job-name")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		got, err := parseSbatchArgs(args, true)
		if err != nil {
			return
		}
		// Every argument is accounted for: options, the script, its args.
		if got.script == "" && len(got.scriptArgs) != 0 {
			t.Errorf("script args %q without a script", got.scriptArgs)
		}
		if n := len(got.scriptArgs); n > len(args) {
			t.Errorf("%d script args from %d arguments", n, len(args))
		}
	})
}
