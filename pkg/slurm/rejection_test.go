package slurm

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// notInstalled runs sacct from an empty directory.
func notInstalled(t *testing.T) error {
	_, _, err := (&ExecRunner{BinDir: t.TempDir()}).Run(context.Background(), Command{Name: "sacct"})
	return err
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "sacct", "exit 0")
	locs := (&ExecRunner{BinDir: dir}).Locate()
	if len(locs) != len(Programs) {
		t.Fatalf("got %d locations, want %d", len(locs), len(Programs))
	}
	for _, l := range locs {
		found := l.Err == nil && l.Path == filepath.Join(dir, l.Name)
		if want := l.Name == "sacct"; found != want {
			t.Errorf("%s: path %q err %v; found = %v, want %v", l.Name, l.Path, l.Err, found, want)
		}
	}
	if err := notInstalled(t); !NotFound(err) || !strings.Contains(err.Error(), "sacct") {
		t.Errorf("sacct from an empty bin dir: %v; want a NotFound error naming sacct", err)
	}
}

func TestRejection(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    bool
		missing bool
	}{
		{"invalid partition", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_invalid_partition.stderr")))), true, false},
		{"invalid account", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_invalid_account.stderr")))), true, false},
		{"unknown cluster", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "unitsep", "sbatch_unknown_cluster.stderr")))), true, false},
		{"script unreadable", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_no_script.stderr")))), true, false},
		{"controller down", cmdErr("sbatch", 1, string(readTestdata(t, filepath.Join("real", "sbatch_ctld_down.stderr")))), false, false},
		{"sbatch not installed", notInstalled(t), false, true},
		{"workdir missing", &CommandError{Cmd: "sbatch", ExitCode: -1, Err: fs.ErrNotExist}, false, false},
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
