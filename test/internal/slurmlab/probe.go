package slurmlab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Lab is what a test package learns once, in its TestMain, about the
// cluster and the programs under test.
type Lab struct {
	RepoRoot string
	SlurmErr error // why Slurm is unusable; nil when it answers
	Require  bool  // NSV_REQUIRE_SLURM=1: a missing cluster is a failure
	BuildErr error
	// DaemonBin and SimBin are the built nanosupervisord and nsv-simtrain.
	DaemonBin, SimBin string
}

// Open probes the cluster from the repository root and, when it answers,
// builds the programs into a fresh directory that is readable by jobs. The
// returned cleanup removes that directory.
func Open(root string, race bool) (*Lab, func()) {
	lab := &Lab{RepoRoot: root, Require: os.Getenv("NSV_REQUIRE_SLURM") == "1"}
	lab.SlurmErr = MissingTools()
	if lab.SlurmErr == nil {
		lab.SlurmErr = Probe(root)
	}
	// A required cluster that is restarting a daemon right now (other users
	// of a shared test cluster do) gets a minute and a half to answer.
	for end := time.Now().Add(90 * time.Second); lab.SlurmErr != nil && lab.Require && MissingTools() == nil && time.Now().Before(end); {
		time.Sleep(3 * time.Second)
		lab.SlurmErr = Probe(root)
	}
	if lab.SlurmErr != nil {
		return lab, func() {}
	}
	dir, err := os.MkdirTemp("", "nsv-slurmlab-bin-")
	if err != nil {
		lab.BuildErr = err
		return lab, func() {}
	}
	lab.BuildErr = lab.build(dir, race)
	return lab, func() { os.RemoveAll(dir) }
}

// MissingTools names the first Slurm client program not on PATH.
func MissingTools() error {
	for _, prog := range []string{"sinfo", "sacct", "squeue", "sbatch", "scancel"} {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("%s is not on PATH", prog)
		}
	}
	return nil
}

// Probe says why the cluster cannot be used, or nil. The local cluster's
// status script is the authority; a cluster that is not the local one
// counts as up when sacct answers.
func Probe(root string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	status := exec.CommandContext(ctx, filepath.Join(root, "deploy", "slurm-local", "status.sh"))
	statusErr := status.Run()
	if statusErr == nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "sacct", "-n", "-X", "-S", "now-1minutes").CombinedOutput()
	if err == nil {
		return nil
	}
	return fmt.Errorf("deploy/slurm-local/status.sh: %v; sacct -n -X -S now-1minutes: %v: %s",
		statusErr, err, strings.TrimSpace(string(out)))
}

// build builds the daemon (with the race detector when the tests have it)
// and the simulated trainer. The directory must be readable by the jobs,
// which run as the submitting user but in Slurm's own process tree.
func (lab *Lab) build(dir string, race bool) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	lab.DaemonBin = filepath.Join(dir, "nanosupervisord")
	lab.SimBin = filepath.Join(dir, "nsv-simtrain")
	builds := []struct {
		out, pkg string
		race     bool
	}{
		{lab.DaemonBin, "./cmd/nanosupervisord", race},
		{lab.SimBin, "./cmd/nsv-simtrain", false},
	}
	var errs []error
	for _, b := range builds {
		args := []string{"build", "-o", b.out}
		if b.race {
			args = append(args, "-race")
		}
		args = append(args, b.pkg)
		cmd := exec.Command("go", args...)
		cmd.Dir = lab.RepoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out))
		}
	}
	return errors.Join(errs...)
}

// Need skips the test when no cluster answers, or fails it when the
// cluster is required; it fails it when the programs did not build.
func (lab *Lab) Need(t testing.TB) {
	t.Helper()
	if lab.SlurmErr != nil {
		msg := fmt.Sprintf("Slurm is not available: %v\n"+
			"Bring the local cluster up with `make slurm-up` (sudo deploy/slurm-local/up.sh).", lab.SlurmErr)
		if lab.Require {
			t.Fatal(msg + "\nNSV_REQUIRE_SLURM=1, so this is a failure.")
		}
		t.Skip(msg)
	}
	if lab.BuildErr != nil {
		t.Fatalf("building the programs: %v", lab.BuildErr)
	}
}

// ClusterUp runs the local cluster's up.sh, which starts whatever is not
// running and is a fast no-op otherwise.
func (lab *Lab) ClusterUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(lab.RepoRoot, "deploy", "slurm-local", "up.sh"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("up.sh: %w\n%s", err, out)
	}
	return nil
}
