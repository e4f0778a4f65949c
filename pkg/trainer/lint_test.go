package trainer

import (
	"strings"
	"testing"
)

// lintScript is a d20 script laid out like the UPPMAX ones users write.
const lintScript = `#!/bin/bash
#SBATCH -J nanochat-d20-ckpt
#SBATCH -p gpu
#SBATCH --gres=gpu:l40s:1
#SBATCH -t 24:00:00
#SBATCH -o /home/u/nanochat-d20-ckpt-%j.out
#SBATCH -e /home/u/nanochat-d20-ckpt-%j.err

cd ~/nanochat
RESUME=${1:--1}
torchrun --standalone --nproc_per_node=1 -m scripts.base_train -- \
    --depth=20 --save-every=1000 \
    --resume-from-step=$RESUME
`

func TestLintScriptClean(t *testing.T) {
	got := LintScript([]byte(lintScript), LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}})
	if len(got) != 0 {
		t.Errorf("LintScript(clean script) = %v, want no warnings", got)
	}
}

func TestLintScript(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(string) string
		in     LintInput
		line   int
		substr string
	}{
		{"resume step unused", func(s string) string { return strings.Replace(s, "${1:--1}", "-1", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 11, "never reads its arguments"},
		{"no save-every", func(s string) string { return strings.Replace(s, "--save-every=1000 ", "", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 11, "no --save-every"},
		{"save-every -1", func(s string) string { return strings.Replace(s, "--save-every=1000", "--save-every -1", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 11, "--save-every=-1"},
		{"nproc disagrees", func(s string) string { return strings.Replace(s, "--nproc_per_node=1", "--nproc_per_node=2", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 11, "--nproc_per_node=2"},
		{"gres disagrees", func(s string) string { return strings.Replace(s, "--nproc_per_node=1", "--nproc_per_node=$N", 1) },
			LintInput{Ranks: 2, ResumeArgs: []string{"{step}"}}, 4, "--gres=gpu:l40s:1"},
		{"gpus-per-node disagrees", func(s string) string {
			return strings.Replace(strings.Replace(s, "--gres=gpu:l40s:1", "--gpus-per-node=4", 1), "--nproc_per_node=1", "--nproc_per_node=$N", 1)
		}, LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 4, "--gpus-per-node=4"},
		{"ntasks-per-node disagrees", func(s string) string { return strings.Replace(s, "#SBATCH -p gpu", "#SBATCH --ntasks-per-node=8", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 3, "--ntasks-per-node=8"},
		{"dependency", func(s string) string {
			return strings.Replace(s, "#SBATCH -p gpu", "#SBATCH --dependency=afterany:12", 1)
		},
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 3, "--dependency"},
		{"requeue", func(s string) string { return strings.Replace(s, "#SBATCH -p gpu", "#SBATCH --requeue", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 3, "--requeue"},
		{"chains itself", func(s string) string { return s + "sbatch $0 $((RESUME+1000))\n" },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 14, "runs sbatch"},
		{"scontrol requeue", func(s string) string { return s + "scontrol requeue $SLURM_JOB_ID\n" },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 14, "scontrol requeue"},
		{"tilde in output", func(s string) string { return strings.Replace(s, "-o /home/u/", "-o ~/", 1) },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}, 6, "does not expand ~"},
		{"requeue in sbatch_args", func(s string) string { return s },
			LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}, SbatchArgs: []string{"--requeue"}}, 0, "sbatch_args"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LintScript([]byte(tt.edit(lintScript)), tt.in)
			if len(got) != 1 || got[0].Line != tt.line || !strings.Contains(got[0].Message, tt.substr) {
				t.Errorf("LintScript = %+v, want one warning at line %d containing %q", got, tt.line, tt.substr)
			}
		})
	}
}

func TestLintScriptResumeFlag(t *testing.T) {
	script := "#!/bin/bash\n#SBATCH -J x\nwhile getopts r: o; do :; done\npython -m scripts.base_train --save-every=500\n"
	if got := LintScript([]byte(script), LintInput{Ranks: 1, ResumeArgs: []string{"-r", "{step}"}}); len(got) != 0 {
		t.Errorf("getopts script: got %v, want no warnings", got)
	}
	// "$@" passed through reaches nanochat: --save-every may come from the
	// resume arguments.
	script = "#!/bin/bash\npython -m scripts.base_train \"$@\"\n"
	if got := LintScript([]byte(script), LintInput{Ranks: 1, ResumeArgs: []string{"--save-every=500", "--resume-from-step={step}"}}); len(got) != 0 {
		t.Errorf("flags through $@: got %v, want no warnings", got)
	}
	// A comment that mentions $1 does not read it.
	script = "#!/bin/bash\n# usage: sbatch this.sh $1\npython -m scripts.base_train --save-every=500 # not $1\n"
	if got := LintScript([]byte(script), LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}); len(got) != 1 || got[0].Line != 3 {
		t.Errorf("$1 only in comments: got %v, want one warning at line 3", got)
	}
}

// A script that takes its step from resume-step (queue_ahead's way) reads
// it without its arguments: no warning that resubmissions start afresh.
func TestLintScriptAsksResumeStep(t *testing.T) {
	script := strings.Replace(lintScript, "RESUME=${1:--1}", "RESUME=$(nanosupervisord resume-step d20) || exit 1", 1)
	if got := LintScript([]byte(script), LintInput{Ranks: 1, ResumeArgs: []string{"{step}"}}); len(got) != 0 {
		t.Errorf("LintScript(script asking resume-step) = %v, want no warnings", got)
	}
}
