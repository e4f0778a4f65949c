package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

func TestFaultCampaign(t *testing.T) {
	lab.Need(t)
	if testing.Short() && !lab.Require {
		t.Skip("-short: the fault campaign takes minutes on a real cluster")
	}
	k := readKnobs(t)
	t.Logf("NSV_CAMPAIGN_SEED=%d NSV_CAMPAIGN_DURATION=%s (dir away: %v, Slurm daemon faults: %v, daemon race detector: %v)",
		k.seed, k.duration, k.dirAway, k.slurmFaults, raceEnabled)
	c := newCampaign(t, k)
	reported := false
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the daemon's last log lines (all of them in events.log with NSV_CAMPAIGN_KEEP):\n%s",
				strings.Join(tailLines(readLines(filepath.Join(c.dir, "events.log")), 80), "\n"))
		}
		if t.Failed() && !reported {
			t.Logf("%s\n%s\nreproduce: %s", c.fig.summary(k.seed), c.fig.table(), k.reproduce())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { c.watchCheckpoints(ctx); close(watched) }()
	t.Cleanup(func() { cancel(); <-watched })

	c.logf("%d runs of %d steps at a time; faults for %s", runsInPlay, trainSteps, k.duration)
	c.startDaemon()
	c.faultPhase()
	c.settle()
	c.finalChecks()

	t.Logf("%s\n%s", c.fig.summary(k.seed), c.fig.table())
	reported = true
	if n := c.fig.get("violations"); n > 0 {
		t.Errorf("%d violations; reproduce the schedule with:\n  %s", n, k.reproduce())
	}
}

// faultPhase injects one fault after another, drawn from the seeded
// schedule, and checks the invariants after each, until the duration is
// spent.
func (c *campaign) faultPhase() {
	end := time.Now().Add(c.k.duration)
	if left := c.timeLeft() - 5*time.Minute; left < c.k.duration {
		c.t.Fatalf("go test -timeout leaves %s; the campaign needs its %s of faults and minutes to settle: raise -timeout",
			c.timeLeft().Round(time.Second), c.k.duration)
	}
	for step := 1; time.Now().Before(end); step++ {
		c.ensureDaemon()
		c.replaceDone()
		k := c.draw()
		ok, why := k.inject(c)
		if ok {
			c.fig.injected(k.name)
			c.logf("step %d: %s", step, k.name)
		} else {
			c.fig.skipped(k.name, why)
			c.logf("step %d: %s skipped: %s", step, k.name, why)
		}
		c.ensureDaemon()
		time.Sleep(c.between(time.Second, 4*time.Second))
		c.check(fmt.Sprintf("step %d (%s)", step, k.name))
		if c.t.Failed() && c.fig.get("violations") > 3 {
			c.logf("stopping the fault phase: enough evidence")
			break
		}
	}
}

// replaceDone takes the runs that are done out of the config and puts new
// ones in, as a user starting the next model does: a good config edit.
func (c *campaign) replaceDone() {
	rows, err := c.status()
	if err != nil {
		return // a pass will say why
	}
	done := map[string]bool{}
	for _, r := range rows {
		done[r.Run] = r.Phase == "done"
	}
	replaced := 0
	for _, r := range c.active() {
		if done[r.name] {
			c.mu.Lock()
			r.retired = true
			c.mu.Unlock()
			c.newRun()
			replaced++
		}
	}
	if replaced > 0 {
		c.writeConfig(c.cfg.text(c))
		c.fig.add("runs_replaced", replaced)
		c.logf("%d done runs replaced by new ones", replaced)
	}
}

// ensureDaemon starts a new life when the daemon has ended on its own; an
// end that neither the campaign nor a full state disk explains is a
// violation.
func (c *campaign) ensureDaemon() {
	d := c.daemon
	if d.alive() {
		return
	}
	if err := d.exit(); err != nil {
		c.violate(fmt.Sprintf("exit:%d", d.n), "daemon life %d ended on its own: %v", d.n, err)
	}
	c.startDaemon()
}

// settle stops the faults and lets a last life of the daemon, started
// with --exit-when-done, take every run to its targets.
func (c *campaign) settle() {
	for _, name := range []string{armHang, armError} {
		if err := os.Remove(filepath.Join(c.controlDir, name)); err == nil {
			c.fig.add("armed_never_fired", 1)
		}
	}
	c.ensureDaemon()
	if err := c.daemon.stop(); err != nil {
		c.violate("stop", "daemon life %d on SIGTERM: %v", c.daemon.n, err)
	}
	last := c.startDaemon("--exit-when-done")
	start := time.Now()
	bound := 3 * time.Minute
	c.logf("settling: faults off; the runs have %s to reach their targets, more while their jobs are live", bound)
	deadline := time.After(bound)
	exited := func() {
		if err := last.exit(); err != nil {
			c.violate("final-exit", "the last daemon life ended with %v, want exit 0 (every run done)", err)
		}
		c.logf("the last daemon life exited: every run is done")
	}
	for {
		select {
		case <-last.done:
			exited()
			return
		case <-deadline:
			// On a shared cluster other users' jobs may hold every CPU:
			// a run whose job is queued, or running late, is waiting for
			// Slurm, not stuck. A run with no job at all is stuck.
			if live := c.liveJob(); live != "" && time.Since(start) < maxSettle && c.timeLeft() > time.Minute {
				c.logf("job %s is live: the runs get 30s more", live)
				deadline = time.After(30 * time.Second)
				continue
			}
			// The last run may have reached its targets in the last
			// seconds: the daemon exits at the end of the pass that sees
			// it. Give it a few passes before calling the run stuck.
			select {
			case <-last.done:
				exited()
				return
			case <-time.After(exitGrace):
			}
			c.violate("unreached", "runs still not at their targets %s after the faults stopped: %s",
				time.Since(start).Round(time.Second), c.statusLine())
			return
		case <-time.After(10 * time.Second):
			c.check("settling")
		}
	}
}

// exitGrace is how long the last daemon life gets, once the settling's
// time is up, to exit after the pass that sees its last run done (passes
// are 2 s apart; a pass may wait on a slow sacct).
const exitGrace = 20 * time.Second

// maxSettle bounds the settling, however busy the cluster.
const maxSettle = 12 * time.Minute

// timeLeft is the time until go test's -timeout ends the test binary
// (which skips every cleanup: jobs, mounts); long if there is none.
func (c *campaign) timeLeft() time.Duration {
	if d, ok := c.t.Deadline(); ok {
		return time.Until(d)
	}
	return time.Hour
}

// liveJob names a live job of a run that is not done yet, "" if none.
func (c *campaign) liveJob() string {
	rows, err := c.status()
	if err != nil {
		return ""
	}
	done := map[string]bool{}
	for _, r := range rows {
		done[r.Run] = r.Phase == "done"
	}
	jobs, err := c.slurmJobs(slurmlab.Cmd)
	if err != nil {
		return ""
	}
	for _, j := range jobs {
		if j.Live && !done[j.Run] {
			return j.ID + " (" + j.State + ")"
		}
	}
	return ""
}

// statusLine is `status --json` in one line: run=phase/reason.
func (c *campaign) statusLine() string {
	rows, err := c.status()
	if err != nil {
		return err.Error()
	}
	var parts []string
	for _, r := range rows {
		parts = append(parts, fmt.Sprintf("%s=%s/%s", r.Run, r.Phase, r.Reason))
	}
	return strings.Join(parts, " ")
}

type statusRow struct {
	Run    string `json:"run"`
	Phase  string `json:"phase"`
	Reason string `json:"reason"`
}

func (c *campaign) status() ([]statusRow, error) {
	out, err := exec.Command(lab.DaemonBin, "status", "--json", "--config", c.configPath).Output()
	var rows []statusRow
	if jerr := json.Unmarshal(out, &rows); jerr != nil {
		return nil, fmt.Errorf("status --json: %v (exit: %v): %s", jerr, err, out)
	}
	return rows, nil
}

// finalChecks: every run done at its targets; no two jobs of a run ever
// alive at once; every job Slurm ran is in the journal as submitted or
// adopted, and every job the journal submitted is in Slurm; nothing
// submitted after a run reached its targets.
func (c *campaign) finalChecks() {
	c.waitJobsEnded()
	c.check("the end")
	rows, err := c.status()
	if err != nil {
		c.violate("status", "%v", err)
	}
	for _, r := range rows {
		if r.Phase != "done" || r.Reason != "target_reached" {
			c.violate("phase:"+r.Run, "run %s ends %s/%s, want done/target_reached", r.Run, r.Phase, r.Reason)
		}
	}
	jobs, err := c.slurmJobs(slurmlab.Retry)
	if err != nil {
		c.t.Fatalf("final sacct: %v", err)
	}
	c.noteJobs(jobs)
	for _, r := range c.allRuns() {
		jr, err := c.readJournal(r)
		if err != nil {
			c.violate("journal-final:"+r.name, "%v", err)
			continue
		}
		if r.retired && !jr.reached() {
			c.violate("retired:"+r.name, "run %s was retired as done, but its journal has no run_target_reached", r.name)
		}
		c.checkAccounted(r, jr, jobs)
		c.checkLifetimes(r, jobs)
		c.checkNothingAfterDone(r, jr)
	}
	c.fig.add("sbatch_faults_fired", len(readLines(filepath.Join(c.controlDir, firedLog))))
	c.fig.add("slurm_unavailable_events", c.events.count("slurm_unavailable"))
	c.fig.add("config_rejected_events", c.events.count("config_rejected"))
	c.fig.add("run_adopted_events", c.events.count("run_adopted"))
	c.fig.add("job_resubmitted_events", c.events.count("job_resubmitted"))
}

// waitJobsEnded gives the runs' last jobs (which train on to their last
// step after the targets are reached) time to end, then cancels any left.
func (c *campaign) waitJobsEnded() {
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Second) {
		jobs, err := c.slurmJobs(slurmlab.Cmd)
		if err != nil {
			continue
		}
		live := 0
		for _, j := range jobs {
			if j.Live {
				live++
			}
		}
		if live == 0 {
			// sacct names a job "allocation", with no comment, for a few
			// seconds after it ends (SLURM-FACTS.md).
			time.Sleep(6 * time.Second)
			return
		}
	}
	c.logf("jobs still live 90s after the last daemon exited; cancelling them")
	for _, r := range c.allRuns() {
		_, _ = slurmlab.Cmd("scancel", "--name="+r.name)
	}
}

func (c *campaign) checkAccounted(r *run, jr journal, jobs map[string]*slurmJob) {
	for _, j := range jobs {
		if _, submitted := jr.submitted[j.ID]; j.Run == r.name && !submitted && !jr.adopted[j.ID] {
			c.violate("unjournaled:"+j.ID, "job %s of %s (%s, tag %q) is in Slurm but neither submitted nor adopted in the journal",
				j.ID, r.name, j.State, j.Comment)
		}
	}
	for id := range jr.submitted {
		if j, ok := jobs[id]; !ok || j.Run != r.name {
			c.violate("phantom:"+id, "the journal of %s submitted job %s, which Slurm does not list for it", r.name, id)
		}
	}
	for id, step := range jr.submitted {
		text, err := os.ReadFile(filepath.Join(r.dir, "slurm-"+id+".out"))
		if err != nil {
			continue
		}
		got := "-1"
		if m := resumeLine.FindStringSubmatch(string(text)); m != nil {
			got = m[1]
		}
		if got != step {
			c.violate("resume-step:"+id, "job %s of %s: the journal says resume_step %s, its log resumed from %s", id, r.name, step, got)
		}
	}
}

// checkLifetimes: no two jobs of a run were ever alive at once, from
// sacct's submit and end times (whole seconds; the daemon submits only
// after it has seen the previous job end, so a successor submitted in the
// second its predecessor ended does not overlap it).
func (c *campaign) checkLifetimes(r *run, jobs map[string]*slurmJob) {
	var mine []*slurmJob
	for _, j := range jobs {
		if j.Run == r.name && !j.Submit.IsZero() {
			mine = append(mine, j)
		}
	}
	sort.Slice(mine, func(a, b int) bool { return mine[a].Submit.Before(mine[b].Submit) })
	for i := 1; i < len(mine); i++ {
		prev, next := mine[i-1], mine[i]
		if prev.End.IsZero() || next.Submit.Before(prev.End) {
			c.violate("overlap:"+prev.ID+","+next.ID, "%s: job %s submitted %s while job %s (submitted %s, ended %s) was alive",
				r.name, next.ID, next.Submit.Format("15:04:05"), prev.ID, prev.Submit.Format("15:04:05"), fmtEnd(prev.End))
		}
	}
}

func fmtEnd(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format("15:04:05")
}

// checkNothingAfterDone: once a run has reached its targets it is never
// submitted again.
func (c *campaign) checkNothingAfterDone(r *run, jr journal) {
	done := false
	for _, rec := range jr.records {
		switch {
		case rec.Event == "run_target_reached":
			done = true
		case done && (rec.Event == "submit_intent" || rec.Event == "job_resubmitted"):
			c.violate("after-done:"+r.name, "%s: %s at %s after run_target_reached", r.name, rec.Event, rec.Time.Format("15:04:05.000"))
		}
	}
}

func readLines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func tailLines(lines []string, n int) []string {
	return lines[max(0, len(lines)-n):]
}
