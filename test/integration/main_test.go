package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// suite is decided once in TestMain and read by every test.
var suite struct {
	lab       *slurmlab.Lab
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
	// The scenarios' timings and event counts cannot stand a Slurm daemon
	// that someone else stops at will (test/campaign does, when it may):
	// hold the cluster shared for the whole suite. The suite's own outage
	// (dbd_test.go) takes the outage lock, which this does not block.
	if err := slurmlab.ShareCluster(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: not holding the cluster's users lock:", err)
	}
	lab, cleanup := slurmlab.Open(root, raceEnabled)
	defer cleanup()
	suite.lab = lab
	suite.daemonBin, suite.simBin, suite.script = lab.DaemonBin, lab.SimBin, lab.Script
	return m.Run()
}

// needSlurm skips the test when no cluster answers, or fails it when the
// cluster is required; it fails it when the binaries did not build.
func needSlurm(t *testing.T) {
	t.Helper()
	suite.lab.Need(t)
	if testing.Short() && !suite.lab.Require {
		t.Skip("-short: the real-Slurm scenarios take minutes")
	}
}
