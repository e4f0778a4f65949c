// Package torture kills nanosupervisord with SIGKILL hundreds of times
// while its runs are being resubmitted against the fake Slurm
// (internal/fakeslurm), restarting it after every kill, and checks the
// promise of DESIGN.md: never two live jobs for one run, not after a crash
// of the daemon at any instant; no run lost; the journal always readable.
//
// The daemon and the fake are built once and run as separate processes, as
// a user runs them. A driver goroutine plays the cluster: it ends RUNNING
// jobs (mostly TIMEOUT) after writing a new complete checkpoint, so the
// daemon resubmits all the time. Kills land at random instants, the moment
// the intent is logged (between the durable intent and sbatch), while a
// slow sbatch runs (the orphaned sbatch creates the job after the daemon
// died: between sbatch and recording the id), and together with the
// daemon's Slurm calls (systemd's control-group kill). After every kill the
// fake's job list, the journal and the state snapshot are checked; at the
// end the daemon runs undisturbed until every run's current job is its one
// live job. TestOrphanedSbatchLaterThanIntentGrace plays the one kill the
// loop cannot afford: an orphaned sbatch that gets through only after the
// restarted daemon's intent grace.
//
// Knobs: NSV_TORTURE_KILLS (default 200, 30 with -short), NSV_TORTURE_SEED
// (default: from the clock; logged), NSV_TORTURE_SETTLE (how long the final
// life may wait for unresolved intents to reach the end of the daemon's
// 2 min grace; default 45s, 20s with -short). An intent whose grace ends
// later is tolerated if Slurm shows no job for it and no live job of its
// run; 150s waits for every intent. NSV_TORTURE_DIR keeps the cluster,
// journal and state in a directory of that name for a post-mortem.
//
// This package only tests; it must never import the daemon's internals
// beyond the ledger's reader and the state types it decodes.
package torture

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// raceEnabled is set under -race (race_test.go); the daemon is then built
// with the race detector too.
var raceEnabled bool

// runNames are the supervised runs. Each kill before sbatch parks one run
// for the daemon's 2 min intent grace; six runs keep the daemon
// resubmitting through that.
var runNames = []string{"d12", "d16", "d20", "d24", "d26", "d32"}

// knobs are the test's environment settings.
type knobs struct {
	kills  int
	seed   uint64
	settle time.Duration
	groups int // cycles with a control-group kill
	hangs  int // cycles with sbatch hanging past command_timeout
}

func readKnobs(t *testing.T) knobs {
	t.Helper()
	k := knobs{kills: 200, seed: uint64(time.Now().UnixNano()), settle: 45 * time.Second, groups: 2, hangs: 1}
	if testing.Short() {
		k.kills, k.settle, k.groups = 30, 20*time.Second, 1
	}
	if v := os.Getenv("NSV_TORTURE_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("NSV_TORTURE_KILLS=%q: want a positive number", v)
		}
		k.kills = n
	}
	if v := os.Getenv("NSV_TORTURE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("NSV_TORTURE_SEED=%q: %v", v, err)
		}
		k.seed = n
	}
	if v := os.Getenv("NSV_TORTURE_SETTLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("NSV_TORTURE_SETTLE=%q: %v", v, err)
		}
		k.settle = d
	}
	return k
}

// special is a cycle of a special kind, due from cycle at on.
type special struct {
	at   int
	kind string
}

// specialCycles places the control-group kills and the sbatch hangs early
// in the run (from the 5th kill on, when jobs are being resubmitted), so
// that the intents they leave unresolved reach the end of their grace
// before the final check.
func specialCycles(k knobs) []special {
	var list []special
	next := min(4, k.kills-1)
	for range k.groups {
		list = append(list, special{next, specialGroup})
		next += 3
	}
	for range k.hangs {
		list = append(list, special{next, specialHang})
		next += 3
	}
	return list
}

func TestCrashTorture(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the daemon's orphaned Slurm calls through /proc")
	}
	t.Parallel() // alongside the orphan test, which mostly waits
	k := readKnobs(t)
	t.Logf("NSV_TORTURE_SEED=%d NSV_TORTURE_KILLS=%d (daemon race detector: %v)", k.seed, k.kills, raceEnabled)
	start := time.Now()
	h := newHarness(t, runNames)
	fig := newFigures()
	tr := newTracker(h, k.seed, fig)

	drv := newDriver(h.cluster, h.runs, k.seed)
	ctx, cancel := context.WithCancel(context.Background())
	driverDone := make(chan struct{})
	go drv.loop(ctx, driverDone)
	t.Cleanup(func() { cancel(); <-driverDone; killProcessesOf(h.slurmExe) })

	killLoop(t, h, tr, k)

	verdicts := settle(t, h, tr, drv, k.settle)
	cancel()
	<-driverDone
	ended, samples, twins, errs := drv.report()
	fig.JobsEnded = ended
	for _, err := range errs {
		t.Errorf("driver: %v", err)
	}
	for _, ev := range twins {
		fig.Duplicates++
		t.Errorf("seed %d: driver sample saw two live jobs of one run: %s", k.seed, ev)
	}
	finalChecks(t, h, tr, verdicts)
	fig.Runtime = time.Since(start)
	t.Logf("driver: %d samples of the job list", samples)
	t.Logf("figures (seed %d):\n%s", k.seed, fig)
}

// killLoop runs k.kills lives of the daemon, each ended by SIGKILL and
// followed by the checks.
func killLoop(t *testing.T, h *harness, tr *tracker, k knobs) {
	t.Helper()
	rng := rand.New(rand.NewPCG(k.seed, 0x6b11))
	specials := specialCycles(k)
	start := time.Now()
	aimUntil := int(float64(k.kills) * aimFraction)
	for i := range k.kills {
		target := ""
		if pick := rng.IntN(1 << 20); i < aimUntil {
			target = tr.aimTarget(pick)
		}
		sp, at := "", -1
		for j, s := range specials {
			if i >= s.at && (s.kind != specialGroup || target != "") {
				sp, at = s.kind, j
				break
			}
		}
		hit := runCycle(t, h, tr, i+1, drawPlan(rng, sp, target))
		// A group kill whose event did not come is tried again later.
		if sp != "" && (sp != specialGroup || hit) {
			specials = slices.Delete(specials, at, at+1)
		}
		if t.Failed() && tr.fig.Duplicates > 0 {
			break // the evidence is in the log; more kills only bury it
		}
	}
	t.Logf("kill loop: %d kills in %s", tr.fig.Kills, time.Since(start).Round(time.Second))
}
