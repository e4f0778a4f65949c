package torture

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// commandTimeout is slurm.command_timeout in the torture config; a hang
// fault sleeps past it.
const commandTimeout = "2s"

// Kill modes.
const (
	// modeRandom: SIGKILL 20–400 ms after the start, wherever the daemon is.
	modeRandom = "random"
	// modeOnIntent: SIGKILL the moment the daemon logs submit_intent, which
	// it does after the intent is durable and just before it runs sbatch.
	modeOnIntent = "on-intent"
	// modeInSbatch: sbatch answers 300 ms late; SIGKILL lands while it runs,
	// and the orphaned sbatch creates the job after the daemon died.
	modeInSbatch = "in-sbatch"
	// modeGroup: like systemd's control-group kill, the daemon and every
	// Slurm call it has running die together, while sbatch is still
	// sleeping: the intent is durable and no job is ever created.
	modeGroup = "group"
	// modeLong: the daemon lives 2.5–3.5 s, through whole passes (4.5 s
	// with a hang fault, through sbatch timing out).
	modeLong = "long"
)

// Special cycles, placed early so that the 2 min intent grace they start
// runs out before the final check.
const (
	specialGroup = "group"
	specialHang  = "hang"
)

// aimFraction is the share of the kills, from the start, that may aim at
// the window between a durable intent and sbatch. Such a kill leaves an
// intent that no job answers, and its run waits out the daemon's 2 min
// intent grace; aiming only early lets those graces end before the final
// check, and aiming only at a run while another run is still free keeps
// the daemon resubmitting meanwhile.
const aimFraction = 0.5

// cyclePlan is one life of the daemon: how it dies and which faults the
// fake Slurm has armed for it.
type cyclePlan struct {
	mode   string
	run    string        // on-event modes: only this run's event kills ("" any run)
	delay  time.Duration // random, long: after the start; in-sbatch: after submit_intent
	faults [][]string    // nsv-fakeslurm fault arguments, armed in order
	// fallback bounds a life that waits for its event (0: fallbackKill).
	fallback time.Duration
}

var (
	sleepFault     = func(d string) []string { return []string{"fault", "sbatch", "--sleep", d} }
	ambiguousFault = []string{"fault", "sbatch", "--create", "--rc", "1", "--stderr",
		"sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n"}
	sacctOutage  = []string{"fault", "sacct"}
	squeueOutage = []string{"fault", "squeue"}
)

func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

// drawPlan draws the plan of one life from the seeded source. target is
// the run that kills aimed before sbatch may hit ("": none may be aimed
// at now); the life is then a random kill. The same numbers are drawn
// either way, so a seed replays the same sequence.
func drawPlan(rng *rand.Rand, special, target string) cyclePlan {
	var p cyclePlan
	n := rng.IntN(100)
	random := between(rng, 20*time.Millisecond, 400*time.Millisecond)
	inSbatch := between(rng, 20*time.Millisecond, 250*time.Millisecond)
	long := between(rng, 2500*time.Millisecond, 3500*time.Millisecond)
	switch {
	case special == specialGroup:
		// Every sbatch of this life is slow, the target's included,
		// whichever run submits first.
		slow := append(sleepFault("500ms"), "--times", "0")
		p = cyclePlan{mode: modeGroup, run: target, faults: [][]string{slow}, fallback: 4 * time.Second}
	case special == specialHang:
		p = cyclePlan{mode: modeLong, delay: 4500 * time.Millisecond, faults: [][]string{sleepFault("3s")}}
	case n < 55, n < 70 && target == "":
		p = cyclePlan{mode: modeRandom, delay: random}
	case n < 70:
		p = cyclePlan{mode: modeOnIntent, run: target}
	case n < 98:
		p = cyclePlan{mode: modeInSbatch, delay: inSbatch, faults: [][]string{sleepFault("300ms")}}
	default:
		p = cyclePlan{mode: modeLong, delay: long}
	}
	if rng.IntN(100) < 10 {
		p.faults = append(p.faults, ambiguousFault)
	}
	switch n := rng.IntN(100); {
	case n < 4:
		p.faults = append(p.faults, sacctOutage)
	case n < 7:
		p.faults = append(p.faults, squeueOutage)
	}
	return p
}

// fallbackKill bounds a life that waits for an event that never comes
// (no job ended during it).
const fallbackKill = 800 * time.Millisecond

// runCycle is one life: arm the faults, start the daemon, kill it as the
// plan says, wait for every Slurm call it left behind, check. It reports
// whether the kill was triggered by the plan's event.
func runCycle(t *testing.T, h *harness, tr *tracker, n int, p cyclePlan) bool {
	t.Helper()
	for _, f := range p.faults {
		if _, err := h.cluster.run(f...); err != nil {
			t.Fatal(err)
		}
		tr.fig.FaultsArmed[faultName(f)]++
	}
	d, err := h.startDaemon(t, p.rule())
	if err != nil {
		t.Fatal(err)
	}
	wait := fallbackKill
	switch {
	case p.mode == modeRandom || p.mode == modeLong:
		wait = p.delay
	case p.fallback > 0:
		wait = p.fallback
	}
	select {
	case <-d.killed:
	case <-time.After(time.Until(d.started.Add(wait))):
		d.kill()
	}
	killed, err := d.wait()
	info := cycleInfo{n: n, plan: p, lifetime: d.lifetime().Round(time.Millisecond).String(), trigger: d.triggeredBy()}
	tr.fig.Kills++
	tr.fig.KillsByMode[p.mode]++
	if !killed {
		tr.fig.SelfExits++
		t.Errorf("seed %d, %s: the daemon exited by itself (%v) before the kill:\n%s", tr.seed, info, err, tail(d.log(), 20))
	}
	if p.mode == modeGroup && info.trigger != "" {
		killProcessesOf(h.slurmExe)
	}
	if err := waitNoProcessesOf(h.slurmExe, 15*time.Second); err != nil {
		t.Fatalf("seed %d, %s: %v", tr.seed, info, err)
	}
	if len(p.faults) > 0 {
		if _, err := h.cluster.run("clear-faults"); err != nil {
			t.Fatal(err)
		}
	}
	tr.noteLife(t, d)
	checkStart := time.Now()
	points := tr.afterKill(t, info)
	tr.fig.CheckTime += time.Since(checkStart)
	tr.fig.LifeTime += d.lifetime()
	mode := p.mode
	if (p.rule() != nil) && info.trigger == "" {
		mode += "(no event)"
	}
	for _, pt := range points {
		tr.fig.PointsByMode[mode+" "+string(pt)]++
	}
	if len(points) == 0 {
		tr.fig.PointsByMode[mode+" elsewhere"]++
	}
	return info.trigger != ""
}

// rule is the plan's kill-on-event rule, nil for timed kills.
func (p cyclePlan) rule() killRule {
	switch p.mode {
	case modeOnIntent, modeGroup:
		return onEvent(run.EventSubmitIntent, p.run, 0)
	case modeInSbatch:
		return onEvent(run.EventSubmitIntent, p.run, p.delay)
	}
	return nil
}

func onEvent(name, run string, after time.Duration) killRule {
	return func(e event) (time.Duration, bool) { return after, e.Name == name && (run == "" || e.Run == run) }
}

func faultName(args []string) string {
	name := args[1]
	for i, a := range args {
		switch a {
		case "--create":
			name += "-create"
		case "--sleep":
			name += "-sleep" + args[i+1]
		}
	}
	if len(args) == 2 {
		name += "-outage"
	}
	return name
}

// noteLife records what one life of the daemon printed that matters
// whatever the invariants say: data races.
func (tr *tracker) noteLife(t *testing.T, d *daemon) {
	t.Helper()
	for _, r := range d.raceReports() {
		tr.fig.RaceReports++
		t.Errorf("seed %d: data race in the daemon:\n%s", tr.seed, r)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
