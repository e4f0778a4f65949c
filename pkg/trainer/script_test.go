package trainer

import (
	"slices"
	"testing"
	"time"
)

// uppmaxScript looks like the runs/uppmax scripts the supervisor resubmits.
const uppmaxScript = `#!/bin/bash -l
# Train d20 with checkpoints; first argument = resume step.
#SBATCH -A naiss2025-22-1234
#SBATCH -p gpu --gpus=l40s:1
#SBATCH -J nanochat-d20-ckpt
#SBATCH -t 1-00:00:00
#SBATCH --output=/proj/logs/nanochat-d20-ckpt-%j.out

   # indented comments and blank lines do not stop sbatch

set -euo pipefail
#SBATCH -J ignored-after-first-command
python -m scripts.base_train --depth=20 ${1:+--resume-from-step=$1}
`

func TestScriptJobName(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"uppmax script", uppmaxScript, "nanochat-d20-ckpt"},
		{"none", "#!/bin/bash\necho hi\n", ""},
		{"empty", "", ""},
		{"long with =", "#SBATCH --job-name=d24\n", "d24"},
		{"long with a space", "#SBATCH --job-name d24\n", "d24"},
		{"short attached", "#SBATCH -Jd24\n", "d24"},
		{"short after flags", "#SBATCH -vJ d24\n", "d24"},
		{"double quotes", `#SBATCH --job-name="my run"` + "\n", "my run"},
		{"single quotes", "#SBATCH -J 'my run'\n", "my run"},
		{"escaped blank", `#SBATCH -J my\ run` + "\n", "my run"},
		{"trailing comment", "#SBATCH -J d20 # the small one\n", "d20"},
		{"hash inside quotes", "#SBATCH -J 'd20#2'\n", "d20#2"},
		{"last one wins", "#SBATCH -J a\n#SBATCH --job-name=b\n", "b"},
		{"several options on a line", "#SBATCH -N 1 -J d20 --time=10\n", "d20"},
		{"option value that looks like -J is skipped", "#SBATCH -p gpu\n#SBATCH --comment=-Jx -J real\n", "real"},
		{"indented #SBATCH is a comment", "  #SBATCH -J indented\n", ""},
		{"after the first command", "#!/bin/sh\nexport X=1\n#SBATCH -J late\n", ""},
		{"old #SLURM prefix", "#SLURM -J old\n", "old"},
		{"CRLF script", "#!/bin/bash\r\n#SBATCH -J dos\r\n", "dos"},
		{"hetjob: first component only", "#SBATCH -J first\n#SBATCH hetjob\n#SBATCH -J second\n", "first"},
		{"unmatched quote line skipped", "#SBATCH -J ok\n#SBATCH -J 'broken\n", "ok"},
		{"--job-name without value", "#SBATCH --job-name\n", ""},
		{"after --", "#SBATCH -- -J nope\n", ""},
		{"prefix is not enough", "#SBATCH --job-names=x\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScriptJobName([]byte(tt.script)); got != tt.want {
				t.Errorf("ScriptJobName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScriptDirectives(t *testing.T) {
	got := ScriptDirectives([]byte(uppmaxScript))
	want := []string{"-A", "naiss2025-22-1234", "-p", "gpu", "--gpus=l40s:1", "-J", "nanochat-d20-ckpt",
		"-t", "1-00:00:00", "--output=/proj/logs/nanochat-d20-ckpt-%j.out"}
	if !slices.Equal(got, want) {
		t.Errorf("ScriptDirectives = %q, want %q", got, want)
	}
}

func TestScriptDirectivesUnmatchedQuote(t *testing.T) {
	got := ScriptDirectives([]byte("#!/bin/bash\n#SBATCH -J 'oops\n#SBATCH -t 10\n"))
	if want := []string{"-t", "10"}; !slices.Equal(got, want) {
		t.Errorf("arguments = %q, want %q", got, want)
	}
}

func TestScriptOutputSource(t *testing.T) {
	tests := []struct{ script, want string }{
		{uppmaxScript, "/proj/logs/nanochat-d20-ckpt-%j.out"},
		{"#SBATCH -o logs/%x-%j.out\n", "logs/%x-%j.out"},
		{"#SBATCH -J x\n", DefaultLogPattern},
	}
	for _, tt := range tests {
		if got := ResolveLogSources(LogSourceInput{Script: []byte(tt.script)}).Log.Pattern; got != tt.want {
			t.Errorf("log pattern of %q = %q, want %q", tt.script, got, tt.want)
		}
	}
}

func TestScriptTimeLimit(t *testing.T) {
	tests := []struct {
		script string
		want   time.Duration
		ok     bool
	}{
		{uppmaxScript, 24 * time.Hour, true},
		{"#SBATCH --time=90\n", 90 * time.Minute, true},
		{"#SBATCH --time 2:00:00\n", 2 * time.Hour, true},
		{"#SBATCH -t10\n", 10 * time.Minute, true},
		{"#SBATCH -t UNLIMITED\n", 0, false},
		{"#SBATCH -t 0\n", 0, false},
		{"#SBATCH -t soon\n", 0, false},
		{"#SBATCH -J x\n", 0, false},
	}
	for _, tt := range tests {
		got, ok := ScriptTimeLimit([]byte(tt.script))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ScriptTimeLimit(%q) = %v, %v, want %v, %v", tt.script, got, ok, tt.want, tt.ok)
		}
	}
}

func TestArgsTimeLimit(t *testing.T) {
	tests := []struct {
		args []string
		want time.Duration
		ok   bool
	}{
		{[]string{"--time=90", "--gpus=1"}, 90 * time.Minute, true},
		{[]string{"-t", "1-00:00:00"}, 24 * time.Hour, true},
		{[]string{"--time=10", "-t5"}, 5 * time.Minute, true},
		{[]string{"--gpus=1"}, 0, false},
	}
	for _, tt := range tests {
		got, ok := ArgsTimeLimit(tt.args)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ArgsTimeLimit(%q) = %v, %v, want %v, %v", tt.args, got, ok, tt.want, tt.ok)
		}
	}
}

func TestArgsExclude(t *testing.T) {
	if got := ArgsExclude([]string{"--gpus=1", "-x", "gpu03", "--exclude=gpu[01-02]"}); got != "gpu[01-02]" {
		t.Errorf("ArgsExclude = %q, want the last one, gpu[01-02]", got)
	}
	if got := ArgsExclude([]string{"--gpus=1"}); got != "" {
		t.Errorf("ArgsExclude without one = %q, want empty", got)
	}
}

func TestParseTimeLimit(t *testing.T) {
	const (
		m = time.Minute
		h = time.Hour
		d = 24 * time.Hour
	)
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30", 30 * m, false},
		{"30:00", 30 * m, false},
		{"0:30", 1 * m, false}, // Slurm rounds seconds up to a whole minute
		{"10:01", 11 * m, false},
		{"2:30:00", 2*h + 30*m, false},
		{"1-0", 1 * d, false},
		{"1-12", 1*d + 12*h, false},
		{"2-12:30", 2*d + 12*h + 30*m, false},
		{"2-12:30:45", 2*d + 12*h + 31*m, false},
		{"00:00:00", 0, false},
		{"UNLIMITED", 0, false},
		{"infinite", 0, false},
		{"-1", 0, false},
		{" 45 ", 45 * m, false},
		{"", 0, true},
		{"1:2:3:4", 0, true},
		{"1-2:3:4:5", 0, true},
		{"1-", 0, true},
		{"-5", 0, true},
		{"1h", 0, true},
		{"+5", 0, true},
		{"1::2", 0, true},
		{"99999999999999999999", 0, true},
		{"2147483648-0", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseTimeLimit(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseTimeLimit(%q) = %v, %v, want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
