package campaign

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// run is one supervised training run of the campaign.
type run struct {
	name string // run name in the config, also its job name
	// retired: done, and taken out of the config to make room for a new
	// run, so that a long campaign always has runs in training.
	retired bool
	dir     string // workdir: slurm-<id>.out land here
	ckpt    string
	// firstComplete is when the test first saw a complete checkpoint in
	// ckpt; a job submitted after it must resume.
	firstComplete time.Time
}

// campaign is the world of one TestFaultCampaign: the runs, the daemon's
// config and state, the sbatch wrapper's control directory, the figures.
type campaign struct {
	t *testing.T
	k knobs
	// sched draws the fault kinds; rng, seeded afresh from sched at every
	// step, draws the faults' details. So the sequence of kinds follows
	// from the seed alone, whatever each fault met.
	sched, rng *rand.Rand
	started    time.Time

	dir        string
	configPath string
	stateDir   string
	stateFS    string // tmpfs mount holding stateDir; "" when not root
	binDir     string // slurm.bin_dir: real tools and the sbatch wrapper
	controlDir string // files that arm the wrapper's faults
	runs       []*run // guarded by mu: the checkpoint watcher reads it

	cfg      configVariant // the config on disk when it is a good one
	events   *eventLog
	daemon   *daemonLife
	lives    int
	outages  int  // Slurm daemons stopped by this campaign
	diskFull bool // the state disk is being held full

	mu  sync.Mutex
	fig figures
	// seen holds every violation already reported, so that one found
	// again at the next pass is counted once.
	seen       map[string]bool
	jobIDs     map[string]bool // every job of the campaign seen so far
	transcript *os.File        // events.log: every life's stderr
	// fullWindows are the spans during which the state disk was full.
	fullWindows [][2]time.Time
}

// Training shape: 500 steps of 0.1 s, a save (taking half a second, so
// that it can be torn) and an evaluation every 50 steps. A run reaches its
// targets in its last evaluations (see targetValBPB). runsInPlay runs are
// in the config at any time; a long campaign replaces those that are done.
const (
	trainSteps = 500
	stepTime   = 0.1
	saveEvery  = 50
	runsInPlay = 3
)

func newCampaign(t *testing.T, k knobs) *campaign {
	t.Helper()
	dir := t.TempDir()
	if k.keep != "" {
		// Kept after the test, for a post-mortem.
		dir = filepath.Join(k.keep, fmt.Sprintf("seed-%d-%s", k.seed, time.Now().Format("150405")))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Logf("NSV_CAMPAIGN_KEEP: keeping the runs, logs and transcript in %s", dir)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &campaign{
		t: t, k: k, sched: rand.New(rand.NewPCG(k.seed, 0x5c4e)), started: time.Now(),
		dir:        dir,
		configPath: filepath.Join(dir, "config.yaml"),
		binDir:     filepath.Join(dir, "slurm-bin"),
		controlDir: filepath.Join(dir, "faults"),
		events:     newEventLog(),
		seen:       map[string]bool{},
		fig:        newFigures(),
	}
	c.stateDir = c.mountStateFS()
	tr, err := os.Create(filepath.Join(dir, "events.log"))
	if err != nil {
		t.Fatal(err)
	}
	c.transcript = tr
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.transcript.Close()
		c.transcript = nil
	})
	for _, d := range []string{c.binDir, c.controlDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c.writeWrappers()
	for range runsInPlay {
		c.newRun()
	}
	c.rng = rand.New(rand.NewPCG(k.seed, 0))
	c.cfg = goodVariants[0]
	c.writeConfig(c.cfg.text(c))
	return c
}

// newRun adds a run to the campaign (the config is written by the caller).
func (c *campaign) newRun() *run {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &run{name: fmt.Sprintf("nsvc-%d-r%d", os.Getpid(), len(c.runs)+1)}
	r.dir = filepath.Join(c.dir, "runs", r.name)
	r.ckpt = filepath.Join(r.dir, "ckpt")
	if err := os.MkdirAll(r.ckpt, 0o755); err != nil {
		c.t.Fatal(err)
	}
	c.runs = append(c.runs, r)
	c.t.Cleanup(func() { _, _ = slurmlab.Cmd("scancel", "--name="+r.name) })
	return r
}

// allRuns is every run of the campaign, retired ones included.
func (c *campaign) allRuns() []*run {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*run(nil), c.runs...)
}

// active is the runs in the config.
func (c *campaign) active() []*run {
	var list []*run
	for _, r := range c.allRuns() {
		if !r.retired {
			list = append(list, r)
		}
	}
	return list
}

// mountStateFS puts the state directory on a tmpfs of its own, so that
// the state_disk_full fault can fill it without touching the machine's
// disks. Without root (or without mount) the state directory is an
// ordinary one and the fault is unavailable.
func (c *campaign) mountStateFS() string {
	fs := filepath.Join(c.dir, "statefs")
	if err := os.Mkdir(fs, 0o755); err != nil {
		c.t.Fatal(err)
	}
	state := filepath.Join(fs, "state")
	if os.Geteuid() != 0 {
		return state
	}
	if err := syscall.Mount("nsv-campaign", fs, "tmpfs", 0, "size=256m,mode=0755"); err != nil {
		c.t.Logf("no tmpfs for the state directory (%v): state_disk_full is unavailable", err)
		return state
	}
	c.stateFS = fs
	c.t.Cleanup(func() {
		if c.k.keep != "" {
			if out, err := exec.Command("cp", "-a", state, filepath.Join(c.dir, "state")).CombinedOutput(); err != nil {
				c.t.Logf("keeping the state directory: %v: %s", err, out)
			}
		}
		if err := syscall.Unmount(fs, syscall.MNT_DETACH); err != nil {
			c.t.Errorf("unmount %s: %v", fs, err)
		}
	})
	return state
}

// writeWrappers fills slurm.bin_dir: sacct, squeue and scancel are the
// real ones; sbatch is a wrapper that runs the real one and, when a file
// in the control directory arms it, either hangs after creating the job
// (longer than command_timeout, so the daemon kills it and never reads
// the id) or reports an error although the job was created. Claiming the
// arming file with mv makes each arming fire once.
func (c *campaign) writeWrappers() {
	for _, prog := range []string{"sacct", "squeue", "scancel", "sbatch"} {
		real, err := exec.LookPath(prog)
		if err != nil {
			c.t.Fatal(err)
		}
		path := filepath.Join(c.binDir, prog)
		if prog != "sbatch" {
			err = os.Symlink(real, path)
		} else {
			err = os.WriteFile(path, []byte(sbatchWrapper(real, c.controlDir)), 0o755)
		}
		if err != nil {
			c.t.Fatal(err)
		}
	}
}

// Arming files of the sbatch wrapper, and the log it keeps of firings.
const (
	armHang  = "sbatch-hang"
	armError = "sbatch-error"
	firedLog = "fired.log"
	// hangFor outlasts commandTimeout, the config's slurm.command_timeout.
	hangFor        = 20 * time.Second
	commandTimeout = 8 * time.Second
)

func sbatchWrapper(real, control string) string {
	q := strconv.Quote
	return strings.NewReplacer("REAL", q(real), "CTL", q(control), "HANG", strconv.Itoa(int(hangFor.Seconds()))).Replace(`#!/bin/sh
# sbatch with faults, armed by files in CTL (see test/campaign).
if mv CTL/` + armHang + ` CTL/claimed-hang.$$ 2>/dev/null; then
	out=$(REAL "$@"); rc=$?
	echo "hang rc=$rc out=$out" >>CTL/` + firedLog + `
	sleep HANG
	[ -n "$out" ] && echo "$out"
	exit $rc
fi
if mv CTL/` + armError + ` CTL/claimed-error.$$ 2>/dev/null; then
	out=$(REAL "$@"); rc=$?
	echo "error rc=$rc out=$out" >>CTL/` + firedLog + `
	echo "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation" >&2
	exit 1
fi
exec REAL "$@"
`)
}

// writeConfig replaces the config file atomically, as an editor that
// saves through a temporary file does.
func (c *campaign) writeConfig(text string) {
	c.t.Helper()
	tmp := c.configPath + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Rename(tmp, c.configPath); err != nil {
		c.t.Fatal(err)
	}
}

// logf logs with the time since the campaign started.
func (c *campaign) logf(format string, args ...any) {
	c.t.Helper()
	c.t.Logf("+%6.1fs %s", time.Since(c.started).Seconds(), fmt.Sprintf(format, args...))
}

// between is a duration drawn uniformly from [lo, hi].
func (c *campaign) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(c.rng.Int64N(int64(hi-lo)+1))
}
