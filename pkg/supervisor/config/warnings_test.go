package config

import (
	"fmt"
	"testing"
)

var sprintf = fmt.Sprintf

// TestWarnings covers the problems that are worth saying but not worth
// refusing the file for.
func TestWarnings(t *testing.T) {
	const run = "    checkpoint_dir: /c/%s\n    targets: {val_bpb: 0.8}\n"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "fast polling",
			yaml: "poll_interval: 10s\nruns:\n  a:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n",
			want: []string{"w.yaml:1:16: poll_interval: 10s is below 30s: sacct this often loads the Slurm controller every user shares"},
		},
		{
			name: "resume_args without {step}",
			yaml: "runs:\n  a:\n    script: /s.sh\n    resume_args: [--resume]\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n",
			want: []string{"w.yaml:4:18: runs.a.resume_args: no {step}: resubmissions will not tell the script which step to resume from"},
		},
		{
			name: "{step} inside an argument counts",
			yaml: "runs:\n  a:\n    script: /s.sh\n    resume_args: [\"--resume-from-step={step}\"]\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n",
		},
		{
			name: "flag and value in one item",
			yaml: "runs:\n  a:\n    script: /s.sh\n    sbatch_args: [\"--time 24:00:00\"]\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n",
			want: []string{`w.yaml:4:19: runs.a.sbatch_args: "--time 24:00:00" is one argument with a space in it; write "--time=24:00:00" or split it into two list items`},
		},
		{
			name: "empty targets",
			yaml: "runs:\n  a:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {}\n",
			want: []string{"w.yaml:5:14: runs.a.targets: no targets: the run is resubmitted until training finishes and can never be done"},
		},
		{
			name: "same script, no job names",
			yaml: "runs:\n  a:\n    script: /s.sh\n" + sprintf(run, "a") + "  b:\n    script: /s.sh\n" + sprintf(run, "b"),
			want: []string{"w.yaml:7:13: runs.b.job_name: runs a and b submit the same script and both take their job name from it; set job_name on each so their jobs can be told apart"},
		},
		{
			name: "same script told apart by job_name or sbatch flags",
			yaml: "runs:\n  a:\n    script: /s.sh\n    job_name: a\n" + sprintf(run, "a") +
				"  b:\n    script: /s.sh\n    sbatch_args: [-Jb]\n" + sprintf(run, "b") +
				"  c:\n    script: /s.sh\n    sbatch_args: [--job-name=c]\n" + sprintf(run, "c"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseWithEnv([]byte(tt.yaml), "w.yaml", envOf(map[string]string{"HOME": "/h"}))
			if err != nil {
				t.Fatal(err)
			}
			checkSlice(t, "Warnings", c.Warnings, tt.want)
		})
	}
}
