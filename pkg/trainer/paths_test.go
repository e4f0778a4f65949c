package trainer

import "testing"

func TestLogPath(t *testing.T) {
	tests := []struct {
		pattern, workdir, jobID, jobName string
		want                             string
	}{
		{"", "/w", "123", "d20", "/w/slurm-123.out"},
		{"", "", "123", "d20", "slurm-123.out"},
		{"logs/%x-%j.out", "/w", "123", "d20", "/w/logs/d20-123.out"},
		{"/scratch/nanochat-d20-ckpt-%j.out", "/w", "123", "d20", "/scratch/nanochat-d20-ckpt-123.out"},
		{"../out/%j.log", "/w/sub", "9", "x", "/w/out/9.log"},
		{"100%%-%j", "/w", "5", "x", "/w/100%-5"},
		{"%%j", "/w", "5", "x", "/w/%j"},
		{"%8j.out", "/w", "123", "x", "/w/00000123.out"},
		{"%3j.out", "/w", "12345", "x", "/w/12345.out"},
		{"%99j", "/w", "1", "x", "/w/0000000001"},
		{"%5x", "/w", "1", "name", "/w/name"},
		{"%A_%a.out", "/w", "123", "x", "/w/123_4294967294.out"},
		{"%A_%a.out", "/w", "123_7", "x", "/w/123_7.out"},
		{"%A_%3a.out", "/w", "123_7", "x", "/w/123_007.out"},
		{"%u-%j", "/w", "5", "x", "/w/%u-5"},
		{"%N-%s-%J-%t-%n-%q-%j", "/w", "5", "x", "/w/%N-%s-%J-0-0-%q-5"},
		{"end%", "/w", "5", "x", "/w/end%"},
		{"end%12", "/w", "5", "x", "/w/end%12"},
		{`no\%j\\expansion`, "/w", "5", "x", `/w/no%j\expansion`},
	}
	for _, tt := range tests {
		if got := logPath(tt.pattern, tt.workdir, tt.jobID, tt.jobName); got != tt.want {
			t.Errorf("logPath(%q, %q, %q, %q) = %q, want %q", tt.pattern, tt.workdir, tt.jobID, tt.jobName, got, tt.want)
		}
	}
}

func TestExpandLogPathUser(t *testing.T) {
	got := ExpandLogPath("%u/%x-%j.out", "/w", LogPathVars{JobID: "42", JobName: "d24", User: "alice"})
	if want := "/w/alice/d24-42.out"; got != want {
		t.Errorf("ExpandLogPath = %q, want %q", got, want)
	}
}

// logPath is ExpandLogPath without a user name, so a "%u" in the pattern
// is left as written.
func logPath(pattern, workdir, jobID, jobName string) string {
	return ExpandLogPath(pattern, workdir, LogPathVars{JobID: jobID, JobName: jobName})
}
