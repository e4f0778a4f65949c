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
	// Deploy is the cluster's directory of scripts (up.sh, down.sh,
	// status.sh): NSV_SLURM_DEPLOY, default deploy/slurm-local.
	Deploy   string
	SlurmErr error // why Slurm is unusable; nil when it answers
	Require  bool  // NSV_REQUIRE_SLURM=1: a missing cluster is a failure
	BuildErr error
	// DaemonBin and SimBin are the built nanosupervisord and nsv-simtrain;
	// Script is a copy of the demo's batch script beside them (sbatch must
	// read it, and a cluster in its own root, deploy/slurm24, sees only the
	// shared temp directory).
	DaemonBin, SimBin, Script string
}

// Open probes the cluster from the repository root and, when it answers,
// builds the programs into a fresh directory that is readable by jobs. The
// returned cleanup removes that directory.
func Open(root string, race bool) (*Lab, func()) {
	lab := &Lab{RepoRoot: root, Require: os.Getenv("NSV_REQUIRE_SLURM") == "1"}
	if err := lab.chooseCluster(os.Getenv("NSV_SLURM_DEPLOY")); err != nil {
		lab.SlurmErr = err
		return lab, func() {}
	}
	lab.SlurmErr = MissingTools()
	if lab.SlurmErr == nil {
		lab.SlurmErr = lab.Probe()
	}
	// A required cluster that is restarting a daemon right now (other users
	// of a shared test cluster do) gets a minute and a half to answer.
	for end := time.Now().Add(90 * time.Second); lab.SlurmErr != nil && lab.Require && MissingTools() == nil && time.Now().Before(end); {
		time.Sleep(3 * time.Second)
		lab.SlurmErr = lab.Probe()
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

// chooseCluster sets Deploy from dir (a directory of the repository, such
// as deploy/slurm24, or an absolute path; default deploy/slurm-local). A
// cluster whose directory has a bin/ of Slurm command wrappers
// (deploy/slurm24 runs in its own namespaces) gets that directory first on
// PATH, so the daemon, the jobs' submitter and the tests' own checks all
// talk to it.
func (lab *Lab) chooseCluster(dir string) error {
	if dir == "" {
		dir = filepath.Join("deploy", "slurm-local")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(lab.RepoRoot, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "status.sh")); err != nil {
		return fmt.Errorf("NSV_SLURM_DEPLOY: %w", err)
	}
	lab.Deploy = dir
	bin := filepath.Join(dir, "bin")
	if fi, err := os.Stat(bin); err == nil && fi.IsDir() {
		return os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	return nil
}

// Probe says why the cluster cannot be used, or nil. The cluster's status
// script is the authority; a cluster that is not the local one counts as
// up when sacct answers.
func (lab *Lab) Probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	status := exec.CommandContext(ctx, filepath.Join(lab.Deploy, "status.sh"))
	statusErr := status.Run()
	if statusErr == nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "sacct", "-n", "-X", "-S", "now-1minutes").CombinedOutput()
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s/status.sh: %v; sacct -n -X -S now-1minutes: %v: %s",
		lab.Deploy, statusErr, err, strings.TrimSpace(string(out)))
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
	script, err := os.ReadFile(filepath.Join(lab.RepoRoot, "deploy", "demo", "train_d20_sim.sh"))
	if err != nil {
		return err
	}
	lab.Script = filepath.Join(dir, "train_d20_sim.sh")
	if err := os.WriteFile(lab.Script, script, 0o755); err != nil {
		return err
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

// StopDaemon stops one of the cluster's daemons (slurmdbd, slurmctld) with
// its down.sh, which checks that the PID in the daemon's PID file really is
// that daemon, sends TERM and waits until it is gone (KILL after 60 s).
func (lab *Lab) StopDaemon(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(lab.Deploy, "down.sh"), name)
	cmd.Env = append(os.Environ(), "LAB_STOP_WAIT=60")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("down.sh %s: %w\n%s", name, err, out)
	}
	return nil
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

// ClusterUp runs the cluster's up.sh, which starts whatever is not running
// and is a fast no-op otherwise.
func (lab *Lab) ClusterUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(lab.Deploy, "up.sh"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("up.sh: %w\n%s", err, out)
	}
	return nil
}
