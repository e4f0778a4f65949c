package integration

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

// suite is decided once in TestMain and read by every test.
var suite struct {
	repoRoot  string
	deploy    string // the cluster's scripts: up.sh, down.sh, status.sh (NSV_SLURM_DEPLOY)
	slurmErr  error  // why Slurm is unusable; nil when it answers
	require   bool   // NSV_REQUIRE_SLURM=1: a missing cluster is a failure
	buildErr  error
	binDir    string
	daemonBin string
	simBin    string
	script    string // the demo's batch script, the one every scenario submits
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	suite.repoRoot = root
	suite.script = filepath.Join(root, "deploy", "demo", "train_d20_sim.sh")
	suite.require = os.Getenv("NSV_REQUIRE_SLURM") == "1"
	if err := chooseCluster(root, os.Getenv("NSV_SLURM_DEPLOY")); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	suite.slurmErr = missingTools()
	if suite.slurmErr == nil {
		suite.slurmErr = probeSlurm(root)
	}
	// A required cluster that is restarting a daemon right now (other users
	// of a shared test cluster do) gets a minute and a half to answer.
	for end := time.Now().Add(90 * time.Second); suite.slurmErr != nil && suite.require && missingTools() == nil && time.Now().Before(end); {
		time.Sleep(3 * time.Second)
		suite.slurmErr = probeSlurm(root)
	}
	if suite.slurmErr == nil {
		dir, err := os.MkdirTemp("", "nsv-integration-bin-")
		if err != nil {
			suite.buildErr = err
		} else {
			defer os.RemoveAll(dir)
			suite.buildErr = buildBinaries(root, dir)
		}
	}
	return m.Run()
}

// chooseCluster sets suite.deploy from NSV_SLURM_DEPLOY (a directory of
// the repository, such as deploy/slurm24, or an absolute path; default
// deploy/slurm-local). A cluster whose directory has a bin/ of Slurm
// command wrappers (deploy/slurm24 runs in its own namespaces) gets that
// directory first on PATH, so the daemon, the jobs' submitter and the
// tests' own checks all talk to it.
func chooseCluster(root, dir string) error {
	if dir == "" {
		dir = filepath.Join("deploy", "slurm-local")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "status.sh")); err != nil {
		return fmt.Errorf("NSV_SLURM_DEPLOY: %w", err)
	}
	suite.deploy = dir
	bin := filepath.Join(dir, "bin")
	if fi, err := os.Stat(bin); err == nil && fi.IsDir() {
		return os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	return nil
}

// missingTools names the first Slurm client program not on PATH.
func missingTools() error {
	for _, prog := range []string{"sinfo", "sacct", "squeue", "sbatch", "scancel"} {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("%s is not on PATH", prog)
		}
	}
	return nil
}

// probeSlurm says why the cluster cannot be used, or nil. The local
// cluster's status script is the authority; a cluster that is not the local
// one counts as up when sacct answers.
func probeSlurm(root string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	status := exec.CommandContext(ctx, filepath.Join(suite.deploy, "status.sh"))
	statusErr := status.Run()
	if statusErr == nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "sacct", "-n", "-X", "-S", "now-1minutes").CombinedOutput()
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s/status.sh: %v; sacct -n -X -S now-1minutes: %v: %s",
		suite.deploy, statusErr, err, strings.TrimSpace(string(out)))
}

// buildBinaries builds the daemon and the simulated trainer once. The
// directory must be readable by the jobs, which run as the submitting user
// but in Slurm's own process tree.
func buildBinaries(root, dir string) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	suite.binDir = dir
	suite.daemonBin = filepath.Join(dir, "nanosupervisord")
	suite.simBin = filepath.Join(dir, "nsv-simtrain")
	builds := []struct {
		out, pkg string
		race     bool
	}{
		{suite.daemonBin, "./cmd/nanosupervisord", raceEnabled},
		{suite.simBin, "./cmd/nsv-simtrain", false},
	}
	// The jobs' script goes beside them: sbatch must read it, and a cluster
	// in its own root (deploy/slurm24) sees only the shared temp directory.
	script, err := os.ReadFile(suite.script)
	if err != nil {
		return err
	}
	suite.script = filepath.Join(dir, filepath.Base(suite.script))
	if err := os.WriteFile(suite.script, script, 0o755); err != nil {
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
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out))
		}
	}
	return errors.Join(errs...)
}

// needSlurm skips the test when no cluster answers, or fails it when the
// cluster is required; it fails it when the binaries did not build.
func needSlurm(t *testing.T) {
	t.Helper()
	if suite.slurmErr != nil {
		msg := fmt.Sprintf("Slurm is not available: %v\n"+
			"Bring the local cluster up with `make slurm-up` (sudo deploy/slurm-local/up.sh).", suite.slurmErr)
		if suite.require {
			t.Fatal(msg + "\nNSV_REQUIRE_SLURM=1, so this is a failure.")
		}
		t.Skip(msg)
	}
	if suite.buildErr != nil {
		t.Fatalf("building the binaries: %v", suite.buildErr)
	}
	if testing.Short() && !suite.require {
		t.Skip("-short: the real-Slurm scenarios take minutes")
	}
}
