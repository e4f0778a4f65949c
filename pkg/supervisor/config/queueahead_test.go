package config

import (
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
