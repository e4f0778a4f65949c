package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// slowSbatch widens one of the two moments of a submission at which a
// dying daemon is most dangerous, so that a test can kill it right there.
type slowSbatch struct {
	Delay time.Duration
	// After false: sleep, then run the real sbatch (the daemon has
	// recorded its intent; no job exists yet). After true: run the real
	// sbatch, then sleep before answering (the job exists; the daemon
	// does not know its id yet).
	After bool
}

// slowSbatchDir makes a bin_dir whose sacct, squeue and scancel are the
// real ones and whose sbatch is a slowed-down wrapper of the real one. The
// wrapper appends its PID to sbatchPIDs first.
func (s *scenario) slowSbatchDir(w slowSbatch) string {
	s.t.Helper()
	dir := filepath.Join(s.dir, "slurm-bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	for _, prog := range []string{"sacct", "squeue", "scancel", "sbatch"} {
		real, err := exec.LookPath(prog)
		if err != nil {
			s.t.Fatal(err)
		}
		path := filepath.Join(dir, prog)
		if prog != "sbatch" {
			err = os.Symlink(real, path)
		} else {
			err = os.WriteFile(path, []byte(w.script(real, s.sbatchPIDs())), 0o755)
		}
		if err != nil {
			s.t.Fatal(err)
		}
	}
	return dir
}

func (w slowSbatch) script(real, pids string) string {
	head := fmt.Sprintf("#!/bin/sh\necho $$ >>%s\n", strconv.Quote(pids))
	if !w.After {
		return head + fmt.Sprintf("sleep %.3f\nexec %s \"$@\"\n", w.Delay.Seconds(), strconv.Quote(real))
	}
	return head + fmt.Sprintf("out=$(%s \"$@\")\nrc=$?\nsleep %.3f\n[ -n \"$out\" ] && echo \"$out\"\nexit $rc\n",
		strconv.Quote(real), w.Delay.Seconds())
}

// sbatchPIDs is the file where the slowed-down sbatch writes its PID.
func (s *scenario) sbatchPIDs() string { return filepath.Join(s.dir, "sbatch.pids") }

// killSlowSbatch makes sure the first daemon's slowed-down sbatch never
// runs the real one. A daemon whose Slurm commands die with it (parent
// death signal) has done that already; otherwise the test kills it.
func (s *scenario) killSlowSbatch() {
	s.t.Helper()
	raw, err := os.ReadFile(s.sbatchPIDs())
	for end := time.Now().Add(1500 * time.Millisecond); err != nil && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		raw, err = os.ReadFile(s.sbatchPIDs())
	}
	if err != nil {
		s.logf("the daemon died before it started sbatch at all (%v)", err)
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[0]))
	if err != nil {
		s.t.Fatalf("%s: %q: %v", s.sbatchPIDs(), raw, err)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	wrapper := filepath.Join(s.dir, "slurm-bin", "sbatch")
	switch {
	case len(cmdline) == 0:
		s.logf("the slow sbatch (PID %d) died with the daemon", pid)
	case !strings.Contains(string(cmdline), wrapper):
		s.t.Fatalf("PID %d is not the slow sbatch any more (cmdline %q): it ran the real one too early", pid, cmdline)
	default:
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			s.t.Fatalf("kill the slow sbatch %d: %v", pid, err)
		}
		s.logf("the slow sbatch (PID %d) outlived the daemon; killed it before it ran the real one", pid)
	}
}
