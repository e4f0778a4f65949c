package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQueueAhead(t *testing.T) {
	const base = "runs:\n  d20:\n    script: /s.sh\n    checkpoint_dir: /c\n"
	tests := []struct {
		name, extra string
		want        bool
		wantErr     string
	}{
		{"default off", "", false, ""},
		{"on", "    queue_ahead: true\n", true, ""},
		{"off", "    queue_ahead: false\n", false, ""},
		{"not a boolean", "    queue_ahead: sometimes\n", false, "runs.d20.queue_ahead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseWithEnv([]byte(base+tt.extra), "/etc/nsv/config.yaml", envOf(map[string]string{"HOME": "/home/u"}))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Runs["d20"].QueueAhead; got != tt.want {
				t.Errorf("QueueAhead = %v, want %v", got, tt.want)
			}
		})
	}
}

// A run that queues ahead with a script that never asks resume-step gets
// a warning: its queued successors would start afresh.
func TestQueueAheadScriptWarning(t *testing.T) {
	const cfg = "runs:\n  d20:\n    script: runs/train.sh\n    workdir: nanochat\n    checkpoint_dir: ckpt/d20\n    queue_ahead: true\n    targets: {val_bpb: 0.8}\n"
	for _, tt := range []struct {
		name, script string
		warn         bool
	}{
		{"takes $1 only", "#!/bin/bash\npython -m scripts.base_train ${1:+--resume-from-step=$1}\n", true},
		{"asks resume-step", "#!/bin/bash\nSTEP=$(nanosupervisord resume-step d20) || exit 1\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := loadTree(t, cfg)
			if err := os.WriteFile(filepath.Join(dir, "nanochat/runs/train.sh"), []byte(tt.script), 0o755); err != nil {
				t.Fatal(err)
			}
			c, err := Load(filepath.Join(dir, "config.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Contains(strings.Join(c.Warnings, "\n"), "runs.d20.queue_ahead: the script does not call `nanosupervisord resume-step`")
			if got != tt.warn {
				t.Errorf("warned = %v, want %v (warnings: %q)", got, tt.warn, c.Warnings)
			}
		})
	}
}
