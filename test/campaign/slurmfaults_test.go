package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// slurmRestart stops one Slurm daemon of the local cluster (slurmdbd or
// slurmctld) for a few seconds and starts it again exactly as it was
// started (same command line, same environment), whichever version of the
// bring-up scripts started it. It needs root, the local cluster's PID
// files, and the cluster to itself: no suite that cannot stand an outage
// (slurmlab.TryOutage), and no job of anyone else's in the queue.
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
	if other := c.foreignJob(); other != "" {
		return false, "deferred: another user's job is on the cluster (" + other + ")"
	}
	p, err := findDaemon(name, pidFile)
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	c.t.Cleanup(func() {
		if _, err := findDaemon(name, pidFile); err != nil {
			c.t.Errorf("%s not running at the end (%v); starting it again: %v", name, err, p.start())
		}
	})
	if err := p.stop(); err != nil {
		c.t.Fatalf("stopping %s: %v", name, err)
	}
	hold := c.between(2*time.Second, 6*time.Second)
	c.logf("%s stopped; back in %.1fs", name, hold.Seconds())
	time.Sleep(hold)
	start := time.Now()
	if err := p.start(); err != nil {
		c.t.Fatalf("starting %s again: %v", name, err)
	}
	if err := p.waitAnswers(); err != nil {
		c.t.Fatalf("%s restarted but does not answer: %v", name, err)
	}
	c.logf("%s back, answering after %.1fs", name, time.Since(start).Seconds())
	return true, ""
}

// foreignJob names a job in the queue that is not the campaign's, "" if
// none (or if squeue does not answer, when stopping a daemon would not
// matter to anyone's job either way).
func (c *campaign) foreignJob() string {
	out, err := slurmlab.Cmd("squeue", "-h", "-o", "%i|%j|%k")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(line, "|", 3)
		if len(f) == 3 && c.runOf(f[1], f[2]) == nil {
			return f[0] + " " + f[1]
		}
	}
	return ""
}

// slurmProc is a running Slurm daemon as it was started.
type slurmProc struct {
	name, pidFile string
	pid           int
	argv, env     []string
}

// findDaemon reads the PID file and checks that the process is that
// daemon (Debian's slurmctld is an alternatives symlink, so the check is
// on the command name), and takes its command line and environment.
func findDaemon(name, pidFile string) (*slurmProc, error) {
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		return nil, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 1 {
		return nil, fmt.Errorf("%s: bad PID %q", pidFile, raw)
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(comm)) != name {
		return nil, fmt.Errorf("PID %d from %s is not %s (comm %q, %v)", pid, pidFile, name, comm, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return nil, err
	}
	return &slurmProc{name: name, pidFile: pidFile, pid: pid, argv: nulSplit(cmdline), env: nulSplit(environ)}, nil
}

func nulSplit(b []byte) []string {
	var out []string
	for _, f := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
		out = append(out, string(f))
	}
	return out
}

// stop sends SIGTERM and waits until the process is gone.
func (p *slurmProc) stop() error {
	if err := syscall.Kill(p.pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("kill -TERM %d: %w", p.pid, err)
	}
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err := syscall.Kill(p.pid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
	}
	return fmt.Errorf("%s (PID %d) still running 60s after SIGTERM", p.name, p.pid)
}

// start runs the daemon's command line again; it detaches by itself and
// writes its PID file, which start waits for.
func (p *slurmProc) start() error {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(p.argv, " "), err, out)
	}
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if q, err := findDaemon(p.name, p.pidFile); err == nil {
			p.pid = q.pid
			return nil
		}
	}
	return fmt.Errorf("no live %s in %s 60s after starting it", p.name, p.pidFile)
}

// waitAnswers waits until the daemon serves requests again: slurmctld
// answers scontrol ping, slurmdbd lets sacct through.
func (p *slurmProc) waitAnswers() error {
	probe := []string{"sacct", "-n", "-X", "-S", "now-1minutes"}
	if p.name == "slurmctld" {
		probe = []string{"scontrol", "ping"}
	}
	var last error
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		cmd := exec.Command(probe[0], probe[1:]...)
		cmd.Env = p.env
		out, err := cmd.CombinedOutput()
		if err == nil && (p.name != "slurmctld" || bytes.Contains(out, []byte("is UP"))) {
			return nil
		}
		last = fmt.Errorf("%s: %v: %s", strings.Join(probe, " "), err, bytes.TrimSpace(out))
	}
	return last
}
