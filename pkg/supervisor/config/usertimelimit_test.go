package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestUserTimeLimit(t *testing.T) {
	script := filepath.Join(t.TempDir(), "train.sh")
	if err := os.WriteFile(script, []byte("#!/bin/bash\n#SBATCH -t 1-00:00:00\npython train.py\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  Run
		want time.Duration
		ok   bool
	}{
		{"the script's #SBATCH -t", Run{Script: script}, 24 * time.Hour, true},
		{"sbatch_args beat the script", Run{Script: script, SbatchArgs: []string{"--time=12:00:00"}}, 12 * time.Hour, true},
		{"no script, no flag: unknown", Run{Script: filepath.Join(t.TempDir(), "missing.sh")}, 0, false},
	}
	for _, tt := range tests {
		got, ok := UserTimeLimit(&tt.run)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: UserTimeLimit = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
