package campaign

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// slurmRestart stops one Slurm daemon of the local cluster (slurmdbd or
// slurmctld) for a few seconds and brings it back with up.sh. It needs
// root, the local cluster's PID files, and the cluster to itself: see
// slurmlab.TryOutage.
func (c *campaign) slurmRestart(name string) (bool, string) {
	if !c.k.slurmFaults {
		return false, "off (NSV_CAMPAIGN_SLURM_FAULTS=0)"
	}
	if os.Geteuid() != 0 {
		return false, "needs root"
	}
	pidFile := "/run/slurm/" + name + ".pid"
	if _, err := os.Stat(pidFile); err != nil {
		return false, "not the local cluster of deploy/slurm-local"
	}
	release, ok, why := slurmlab.TryOutage()
	if !ok {
		return false, "deferred: " + why
	}
	defer release()
	c.outages++
	c.t.Cleanup(func() {
		if err := lab.ClusterUp(); err != nil {
			c.t.Errorf("bringing the cluster back: %v", err)
		}
	})
	if err := stopByPIDFile(name, pidFile); err != nil {
		c.t.Fatalf("stopping %s: %v", name, err)
	}
	hold := c.between(2*time.Second, 6*time.Second)
	c.logf("%s stopped; back in %.1fs", name, hold.Seconds())
	c.sleep(hold)
	start := time.Now()
	if err := lab.ClusterUp(); err != nil {
		c.t.Fatalf("bringing %s back: %v", name, err)
	}
	c.logf("%s back (up.sh took %.1fs)", name, time.Since(start).Seconds())
	return true, ""
}

// stopByPIDFile sends SIGTERM to the process the PID file names, after
// checking that it is that daemon (Debian's slurmctld is an alternatives
// symlink, so the check is on the command name), and waits until it is
// gone.
func stopByPIDFile(name, pidFile string) error {
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("%s: bad PID %q", pidFile, raw)
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(comm)) != name {
		return fmt.Errorf("PID %d from %s is not %s (comm %q, %v)", pid, pidFile, name, comm, err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("kill -TERM %d: %w", pid, err)
	}
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
	}
	return fmt.Errorf("%s (PID %d) still running 60s after SIGTERM", name, pid)
}
