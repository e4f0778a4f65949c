package slurm

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestRejection(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    bool
		missing bool
	}{
		{"invalid partition", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_invalid_partition.stderr")))), true, false},
		{"invalid account", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_invalid_account.stderr")))), true, false},
		{"unknown cluster", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_unknown_cluster.stderr")))), true, false},
		{"script unreadable", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_no_script.stderr")))), true, false},
		{"controller down", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_ctld_down.stderr")))), false, false},
		{"sbatch not installed", &CommandError{Cmd: "sbatch", ExitCode: -1, Err: exec.ErrNotFound}, false, true},
		{"not a command error", errors.New("boom"), false, false},
	}
	for _, tt := range tests {
		ev, ok := Rejection(tt.err)
		if ok != tt.want || (ok && ev == "") {
			t.Errorf("%s: Rejection = %q, %v; want %v with evidence", tt.name, ev, ok, tt.want)
		}
		if got := NotFound(tt.err); got != tt.missing {
			t.Errorf("%s: NotFound = %v, want %v", tt.name, got, tt.missing)
		}
	}
}
