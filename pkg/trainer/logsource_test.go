package trainer

import "testing"

func TestResolveLogSources(t *testing.T) {
	script := "#!/bin/bash\n#SBATCH -J d20\n#SBATCH -o ~/d20-%j.out\n#SBATCH --error=d20-%j.err\n"
	tests := []struct {
		name     string
		in       LogSourceInput
		log, err StreamPattern
	}{
		{"script", LogSourceInput{Script: []byte(script)},
			StreamPattern{"~/d20-%j.out", SourceScript, 3}, StreamPattern{"d20-%j.err", SourceScript, 4}},
		{"attached short option", LogSourceInput{Script: []byte("#!/bin/bash\n#SBATCH -oout-%j.log\n")},
			StreamPattern{"out-%j.log", SourceScript, 2}, StreamPattern{"out-%j.log", SourceOutput, 0}},
		{"long option, separate value", LogSourceInput{Script: []byte("#!/bin/bash\n#SBATCH --output out-%j.log\n")},
			StreamPattern{"out-%j.log", SourceScript, 2}, StreamPattern{"out-%j.log", SourceOutput, 0}},
		{"sbatch_args win", LogSourceInput{Script: []byte(script), SbatchArgs: []string{"-o", "cli-%j.out"}},
			StreamPattern{"cli-%j.out", SourceSbatchArgs, 0}, StreamPattern{"d20-%j.err", SourceScript, 4}},
		{"env beats script", LogSourceInput{Script: []byte(script), Env: map[string]string{"SBATCH_ERROR": "env.err"}},
			StreamPattern{"~/d20-%j.out", SourceScript, 3}, StreamPattern{"env.err", SourceEnv, 0}},
		{"log key", LogSourceInput{Script: []byte(script), Log: "/x/train-%j.log"},
			StreamPattern{"/x/train-%j.log", SourceConfig, 0}, StreamPattern{"d20-%j.err", SourceScript, 4}},
		{"default", LogSourceInput{Script: []byte("#!/bin/bash\necho\n#SBATCH -o late.out\n")},
			StreamPattern{DefaultLogPattern, SourceDefault, 0}, StreamPattern{DefaultLogPattern, SourceOutput, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResolveLogSources(tt.in)
			if got.Log != tt.log || got.Error != tt.err {
				t.Errorf("ResolveLogSources: log %+v, error %+v; want %+v, %+v", got.Log, got.Error, tt.log, tt.err)
			}
		})
	}
}

func TestLogSourcesJobDir(t *testing.T) {
	s := ResolveLogSources(LogSourceInput{Script: []byte("#!/bin/bash\n#SBATCH -D runs\n")})
	if got, want := s.JobDir("/w"), "/w/runs"; got != want {
		t.Errorf("JobDir = %q, want %q", got, want)
	}
	// Slurm expands no "~": the file is under a directory named "~".
	if got, want := ExpandLogPath("~/d20-%j.out", "/w", LogPathVars{JobID: "7"}), "/w/~/d20-7.out"; got != want {
		t.Errorf("ExpandLogPath = %q, want %q", got, want)
	}
}
