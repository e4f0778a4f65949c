package config

import (
	"slices"
	"testing"
	"time"
)

const storageRun = "runs: {d20: {script: train.sh, checkpoint_dir: ckpt}}\n"

func TestStorageQuotaCommand(t *testing.T) {
	env := envOf(map[string]string{"HOME": "/home/u", "USER": "alice"})
	tests := []struct {
		name string
		yaml string
		dir  string
		want []string
	}{
		{"none", "", "/c", nil},
		{"list expands vars, fills dir", "storage: {quota_command: [lfs, quota, -u, $USER, '{dir}']}",
			"/scratch/d20", []string{"lfs", "quota", "-u", "alice", "/scratch/d20"}},
		{"list expands ~ in the program", "storage: {quota_command: [~/bin/uquota]}",
			"/c", []string{"/home/u/bin/uquota"}},
		{"string runs in sh, dir quoted", "storage: {quota_command: 'uquota -u $USER {dir} | tail -1'}",
			"/scratch/it's d20", []string{"/bin/sh", "-c", `uquota -u $USER '/scratch/it'\''s d20' | tail -1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseWithEnv([]byte(storageRun+tt.yaml), "/etc/nsv/config.yaml", env)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Storage.Argv(tt.dir); !slices.Equal(got, tt.want) {
				t.Errorf("Argv(%q) = %q, want %q", tt.dir, got, tt.want)
			}
			if c.Storage.QuotaTimeout != DefaultQuotaTimeout {
				t.Errorf("QuotaTimeout = %v, want the default %v", c.Storage.QuotaTimeout, DefaultQuotaTimeout)
			}
		})
	}
}

func TestStorageQuotaTimeout(t *testing.T) {
	c, err := ParseWithEnv([]byte(storageRun+"storage: {quota_command: uquota, quota_timeout: 30s}"), "/etc/nsv/config.yaml", envOf(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Storage.QuotaTimeout != 30*time.Second {
		t.Errorf("QuotaTimeout = %v, want 30s", c.Storage.QuotaTimeout)
	}
}

// A changed quota command must count as a change for reload.
func TestStorageChangeIsNotEqual(t *testing.T) {
	a, errA := ParseWithEnv([]byte(storageRun+"storage: {quota_command: [uquota]}"), "/c.yaml", envOf(map[string]string{"HOME": "/home/u"}))
	b, errB := ParseWithEnv([]byte(storageRun+"storage: {quota_command: [uquota, -v]}"), "/c.yaml", envOf(map[string]string{"HOME": "/home/u"}))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a.Equal(b) {
		t.Error("configs with different quota commands are Equal")
	}
}
