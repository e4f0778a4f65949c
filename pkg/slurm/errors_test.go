package slurm

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cmdErr is a failed command as ExecRunner reports a non-zero exit.
func cmdErr(cmd string, code int, stderr string) *CommandError {
	return &CommandError{Cmd: cmd, Args: []string{"x"}, ExitCode: code, Stderr: stderr,
		Err: fmt.Errorf("exit status %d", code)}
}

func TestClassifyCapturedStderr(t *testing.T) {
	tests := []struct {
		file, cmd    string
		code         int
		wantClass    Class
		wantMayExist bool
	}{
		{"stderr_sacct_slurmdbd_down.txt", "sacct", 1, ClassTransient, false},
		{"stderr_squeue_slurmctld_down.txt", "squeue", 1, ClassTransient, false},
		{"stderr_sbatch_slurmctld_down.txt", "sbatch", 1, ClassTransient, false},
		{"stderr_scancel_slurmctld_down.txt", "scancel", 8, ClassTransient, false},
		{"stderr_sbatch_invalid_account.txt", "sbatch", 1, ClassPermanent, false},
		{"stderr_sbatch_invalid_partition.txt", "sbatch", 1, ClassPermanent, false},
		{"stderr_sbatch_unable_to_open.txt", "sbatch", 1, ClassPermanent, false},
		{"stderr_squeue_invalid_job_id.txt", "squeue", 1, ClassPermanent, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			err := fmt.Errorf("run d20: %w", cmdErr(tt.cmd, tt.code, string(readTestdata(t, tt.file))))
			if got := Classify(err); got != tt.wantClass {
				t.Errorf("Classify = %v, want %v", got, tt.wantClass)
			}
			if got := IsTransient(err); got != (tt.wantClass == ClassTransient) {
				t.Errorf("IsTransient = %v, want %v", got, tt.wantClass == ClassTransient)
			}
			if got := SubmitMayHaveCreatedJob(err); got != tt.wantMayExist {
				t.Errorf("SubmitMayHaveCreatedJob = %v, want %v", got, tt.wantMayExist)
			}
		})
	}
}

func TestClassifyMessages(t *testing.T) {
	tests := []struct {
		stderr       string
		wantClass    Class
		wantMayExist bool
	}{
		{"sbatch: error: Batch job submission failed: Socket timed out on send/recv operation", ClassTransient, true},
		{"sbatch: error: Batch job submission failed: Zero Bytes were transmitted or received", ClassTransient, true},
		{"sbatch: error: Batch job submission failed: Unable to contact slurm controller (receive failure)", ClassTransient, true},
		{"sbatch: error: Batch job submission failed: Resource temporarily unavailable", ClassTransient, false},
		{"squeue: error: Transport endpoint is not connected", ClassTransient, true},
		{"sacct: error: slurm_persist_conn_open: Something went wrong", ClassTransient, false},
		{"sbatch: error: Batch job submission failed: Requested node configuration is not available", ClassPermanent, false},
		{"sbatch: error: Batch job submission failed: Invalid qos specification", ClassPermanent, false},
		{"sbatch: unrecognized option '--bogus'", ClassPermanent, false},
		{"scancel: error: Kill job error on job id 39: Job/step already completing or completed", ClassPermanent, false},
		{"SBATCH: ERROR: SOCKET TIMED OUT", ClassTransient, true},
		{"sbatch: error: something nobody has seen before", ClassUnknown, true},
		{"", ClassUnknown, true},
	}
	for _, tt := range tests {
		err := cmdErr("sbatch", 1, tt.stderr)
		if got := Classify(err); got != tt.wantClass {
			t.Errorf("%q: Classify = %v, want %v", tt.stderr, got, tt.wantClass)
		}
		if got := SubmitMayHaveCreatedJob(err); got != tt.wantMayExist {
			t.Errorf("%q: SubmitMayHaveCreatedJob = %v, want %v", tt.stderr, got, tt.wantMayExist)
		}
	}
}

func TestClassifyTypedErrors(t *testing.T) {
	notFound := &CommandError{Cmd: "sacct", ExitCode: -1, Err: &exec.Error{Name: "sacct", Err: exec.ErrNotFound}}
	timedOut := &CommandError{Cmd: "sbatch", ExitCode: -1, TimedOut: true, Err: context.DeadlineExceeded}
	canceled := &CommandError{Cmd: "sbatch", ExitCode: -1, Err: context.Canceled}
	tests := []struct {
		name         string
		err          error
		wantClass    Class
		wantMayExist bool
	}{
		{"nil", nil, ClassUnknown, false},
		{"not found", notFound, ClassPermanent, false},
		{"timed out", timedOut, ClassTransient, true},
		{"timed out, stderr says invalid", &CommandError{Cmd: "sbatch", TimedOut: true, Stderr: "Invalid account"}, ClassTransient, true},
		{"bare deadline", fmt.Errorf("poll: %w", context.DeadlineExceeded), ClassTransient, true},
		{"canceled", canceled, ClassUnknown, true},
		{"sacct parse error", newParseError("sacct", 3, "x", "bad"), ClassUnknown, false},
		{"sbatch parse error", fmt.Errorf("sbatch x: %w", newParseError("sbatch", 1, "x", "bad")), ClassUnknown, true},
		{"plain error", errors.New("boom"), ClassUnknown, false},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.wantClass {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.wantClass)
		}
		if got := SubmitMayHaveCreatedJob(tt.err); got != tt.wantMayExist {
			t.Errorf("%s: SubmitMayHaveCreatedJob = %v, want %v", tt.name, got, tt.wantMayExist)
		}
	}
}

func TestCommandErrorMessage(t *testing.T) {
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = fmt.Sprint(1000 + i)
	}
	e := cmdErr("sacct", 1, string(readTestdata(t, "stderr_sacct_slurmdbd_down.txt")))
	e.Args = []string{"-X", "-j", strings.Join(ids, ",")}
	msg := e.Error()
	for _, want := range []string{"sacct -X -j 1000,1001", "exit status 1", "Problem talking to the database: Connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || len(msg) > 600 {
		t.Errorf("message is not one short line: %q", msg)
	}
	timedOut := &CommandError{Cmd: "squeue", TimedOut: true, Err: context.DeadlineExceeded}
	if got := timedOut.Error(); !strings.Contains(got, "squeue: timed out") {
		t.Errorf("got %q, want it to say squeue timed out", got)
	}
	if !errors.Is(timedOut, context.DeadlineExceeded) {
		t.Error("errors.Is(timed out error, DeadlineExceeded) = false, want true")
	}
}

// TestClassifyRealStderr uses the stderr captured by the live-cluster
// capture script (testdata/real*, every Slurm version), next to the
// hand-made records above.
func TestClassifyRealStderr(t *testing.T) {
	tests := []struct {
		file         string
		wantClass    Class
		wantMayExist bool
	}{
		{"sacct_dbd_down.stderr", ClassTransient, false},
		{"squeue_ctld_down.stderr", ClassTransient, false},
		{"sbatch_ctld_down.stderr", ClassTransient, false},
		{"sbatch_invalid_account.stderr", ClassPermanent, false},
		{"sbatch_invalid_partition.stderr", ClassPermanent, false},
		{"sbatch_no_script.stderr", ClassPermanent, false},
		{"unitsep/sbatch_unknown_cluster.stderr", ClassPermanent, false},
		{"unitsep/sbatch_cluster_ctld_down.stderr", ClassTransient, false},
		{"unitsep/squeue_cluster_ctld_down.stderr", ClassTransient, false},
	}
	for _, dir := range versionDirs {
		for _, tt := range tests {
			file := filepath.Join(dir, tt.file)
			err := cmdErr("sbatch", 1, string(readTestdata(t, file)))
			if got := Classify(err); got != tt.wantClass {
				t.Errorf("%s: Classify = %v, want %v", file, got, tt.wantClass)
			}
			if got := SubmitMayHaveCreatedJob(err); got != tt.wantMayExist {
				t.Errorf("%s: SubmitMayHaveCreatedJob = %v, want %v", file, got, tt.wantMayExist)
			}
		}
	}
}

func TestNodesUnavailable(t *testing.T) {
	refused := &CommandError{Cmd: "sbatch", ExitCode: 1,
		Stderr: "sbatch: error: Batch job submission failed: Requested node configuration is not available\n"}
	other := &CommandError{Cmd: "sbatch", ExitCode: 1, Stderr: "sbatch: error: invalid partition specified: nopart\n"}
	if !NodesUnavailable(fmt.Errorf("run d20: %w", refused)) || NodesUnavailable(other) || NodesUnavailable(nil) {
		t.Errorf("NodesUnavailable: want true only for the node configuration refusal")
	}
}
