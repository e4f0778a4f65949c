package campaign

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// kind is one kind of fault: how often the schedule draws it and how it
// is injected. inject returns false, and why, when it could not be (no
// trainer to kill, the cluster busy, the fault off).
type kind struct {
	name   string
	weight int
	inject func(c *campaign) (bool, string)
}

func allKinds() []kind {
	return []kind{
		{"daemon_kill", 3, (*campaign).daemonKill},
		{"daemon_kill_on_intent", 2, (*campaign).daemonKillOnIntent},
		{"slurmdbd_restart", 1, func(c *campaign) (bool, string) { return c.slurmRestart("slurmdbd") }},
		{"slurmctld_restart", 1, func(c *campaign) (bool, string) { return c.slurmRestart("slurmctld") }},
		{"sbatch_hang_after_create", 1, func(c *campaign) (bool, string) { return c.armSbatch(armHang) }},
		{"sbatch_error_after_create", 1, func(c *campaign) (bool, string) { return c.armSbatch(armError) }},
		{"torn_save", 3, (*campaign).tornSave},
		{"ckpt_dir_away", 1, (*campaign).ckptDirAway},
		{"config_good_edit", 1, (*campaign).configGoodEdit},
		{"config_bad_edit", 1, (*campaign).configBadEdit},
		{"state_disk_full", 1, (*campaign).stateDiskFull},
		{"checkpoint_clock_ahead", 1, (*campaign).checkpointClockAhead},
		{"clock_step", 1, func(*campaign) (bool, string) {
			return false, "not injectable: the daemon reads the host clock and has no offset knob"
		}},
	}
}

// draw picks the next fault kind, by weight, and reseeds the details.
func (c *campaign) draw() kind {
	c.rng = rand.New(rand.NewPCG(c.k.seed, c.sched.Uint64()))
	var kinds []kind
	for _, k := range allKinds() {
		if c.k.kinds == nil || c.k.kinds[k.name] {
			kinds = append(kinds, k)
		}
	}
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	n := c.sched.IntN(total)
	for _, k := range kinds {
		if n -= k.weight; n < 0 {
			return k
		}
	}
	return kinds[len(kinds)-1]
}

// daemonKill kills the daemon at a random instant and restarts it after
// a short while, as systemd's Restart= or a user would.
func (c *campaign) daemonKill() (bool, string) {
	time.Sleep(c.between(0, 2*time.Second))
	d := c.daemon
	d.kill()
	<-d.done
	time.Sleep(c.between(0, 3*time.Second))
	c.startDaemon()
	return true, ""
}

// daemonKillOnIntent kills the daemon the moment it logs its intent to
// submit, before or while sbatch runs; the next life must find the job by
// its tag or declare the intent void, never submit a twin.
func (c *campaign) daemonKillOnIntent() (bool, string) {
	d := c.daemon
	d.killOnIntent.Store(true)
	c.provokeSubmission()
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		d.killOnIntent.Store(false)
	}
	if !d.intentKill.Load() {
		if !d.alive() {
			return false, "the daemon ended before it submitted"
		}
		return false, "no submission within 20s"
	}
	time.Sleep(c.between(0, 2*time.Second))
	c.startDaemon()
	return true, ""
}

// armSbatch arms one firing of a wrapper fault. The firing comes with the
// daemon's next submission.
func (c *campaign) armSbatch(name string) (bool, string) {
	path := filepath.Join(c.controlDir, name)
	if _, err := os.Stat(path); err == nil {
		return false, "still armed from an earlier draw"
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		c.t.Fatal(err)
	}
	// Give the daemon a submission to make, and the wrapper a chance to
	// fire before the next fault; unfired, it stays armed.
	fired := len(readLines(filepath.Join(c.controlDir, firedLog)))
	c.provokeSubmission()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if len(readLines(filepath.Join(c.controlDir, firedLog))) > fired {
			c.logf("sbatch wrapper fired: %s", name)
			break
		}
	}
	return true, ""
}

// configGoodEdit switches to another good config and expects the daemon
// to take it.
func (c *campaign) configGoodEdit() (bool, string) {
	next := c.cfg
	for next == c.cfg {
		next = goodVariants[c.rng.IntN(len(goodVariants))]
	}
	_, from := c.events.since(1 << 30)
	c.writeConfig(next.text(c))
	c.cfg = next
	c.logf("config: poll_interval %s, max_backoff %s", next.poll, next.maxBackoff)
	if !c.waitEvent(from, "config_reloaded", 20*time.Second) {
		c.violate("reload:"+fmt.Sprint(from), "a good config edit (poll_interval %s, max_backoff %s) was not reloaded within 20s",
			next.poll, next.maxBackoff)
	}
	return true, ""
}

// configBadEdit writes a broken config in place, as an editor without
// safe saves does, expects the daemon to reject it and carry on, then
// puts the good one back.
func (c *campaign) configBadEdit() (bool, string) {
	edit := badEdits[c.rng.IntN(len(badEdits))]
	good := c.cfg.text(c)
	_, from := c.events.since(1 << 30)
	if err := os.WriteFile(c.configPath, []byte(edit.edit(good)), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.logf("config: bad edit %s", edit.name)
	if !c.waitEvent(from, "config_rejected", 20*time.Second) {
		c.violate("reject:"+fmt.Sprint(from), "a bad config edit (%s) was not rejected within 20s", edit.name)
	}
	time.Sleep(c.between(time.Second, 4*time.Second))
	if !c.daemon.alive() {
		c.violate("badcfg-exit:"+fmt.Sprint(c.daemon.n), "daemon life %d ended while the config was bad (%s): %v",
			c.daemon.n, edit.name, c.daemon.exit())
	}
	c.writeConfig(good)
	return true, ""
}

// waitEvent waits for an event named name logged at index from or later.
func (c *campaign) waitEvent(from int, name string, timeout time.Duration) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		events, _ := c.events.since(from)
		for _, e := range events {
			if e.Name == name {
				return true
			}
		}
	}
	return false
}

// stateDiskFull fills the state directory's file system, holds it full
// for a few passes, then frees it. A daemon that cannot journal its
// intent must not submit; one that exits over it is restarted.
func (c *campaign) stateDiskFull() (bool, string) {
	if c.stateFS == "" {
		return false, "no tmpfs for the state directory (needs root)"
	}
	filler := filepath.Join(c.stateFS, "filler")
	from := time.Now()
	f, err := os.Create(filler)
	if err != nil {
		return false, err.Error()
	}
	chunk := make([]byte, 1<<20)
	var werr error
	for werr == nil {
		_, werr = f.Write(chunk)
	}
	f.Close()
	if !errors.Is(werr, syscall.ENOSPC) {
		os.Remove(filler)
		c.t.Fatalf("filling %s: %v", c.stateFS, werr)
	}
	c.diskFull = true
	time.Sleep(c.between(3*time.Second, 8*time.Second))
	if err := os.Remove(filler); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.fullWindows = append(c.fullWindows, [2]time.Time{from, time.Now()})
	c.mu.Unlock()
	if !c.daemon.alive() {
		// Not a violation: a daemon that cannot write its state may stop,
		// as long as it decided nothing it could not record; the checks
		// see to that. Its service manager starts it again.
		c.logf("daemon life %d ended while the state disk was full: %v", c.daemon.n, c.daemon.exit())
		c.fig.add("daemon_exits_disk_full", 1)
		c.startDaemon()
	}
	c.diskFull = false
	return true, ""
}

// ckptDirAway moves a run's checkpoint directory away (an unmounted
// network file system), ends its job meanwhile, and brings the directory
// back. Off by default: a daemon that does not hold such a run restarts
// it from scratch.
func (c *campaign) ckptDirAway() (bool, string) {
	if !c.k.dirAway {
		return false, "off (NSV_CAMPAIGN_DIR_AWAY=1 turns it on)"
	}
	// A run with a complete checkpoint, whose job ends while the
	// directory is away: the moment a daemon that does not hold the run
	// would start it over from scratch.
	var candidates []*run
	for _, r := range c.active() {
		c.mu.Lock()
		ok := !r.firstComplete.IsZero()
		c.mu.Unlock()
		if ok {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) == 0 {
		return false, "no run has a complete checkpoint yet"
	}
	r := candidates[c.rng.IntN(len(candidates))]
	pid := trainerPID(r.ckpt)
	away := r.ckpt + ".away"
	if err := os.Rename(r.ckpt, away); err != nil {
		c.t.Fatalf("moving %s away: %v", r.ckpt, err)
	}
	ended := ""
	if pid != 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
		ended = ", its trainer killed"
	}
	c.logf("%s: checkpoint directory away%s", r.name, ended)
	time.Sleep(c.between(3*time.Second, 8*time.Second))
	c.bringBack(r.ckpt, away)
	return true, ""
}

// bringBack moves the directory back. A trainer that saved meanwhile has
// made a new one (nanochat does makedirs): the old files join it, the
// newer ones win.
func (c *campaign) bringBack(dir, away string) {
	if err := os.Rename(away, dir); err == nil {
		return
	}
	entries, err := os.ReadDir(away)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, e := range entries {
		to := filepath.Join(dir, e.Name())
		if _, err := os.Stat(to); err == nil {
			continue
		}
		if err := os.Rename(filepath.Join(away, e.Name()), to); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := os.RemoveAll(away); err != nil {
		c.t.Fatal(err)
	}
}
