package supervisor

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// TestLoopBackoffHours runs the real loop for five hours of fake time: a
// run whose every job fails after a minute without progress. The delays
// between submissions must double from the 1m backoff up to the 30m cap,
// and the loop must sleep in between rather than spin.
func TestLoopBackoffHours(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "d20")
		r.cfg.Runs["d20"].Policy.MaxFailuresWithoutProgress = 1000
		r.cfg.Runs["d20"].Start = run.StartSubmit
		r.cfg.PollInterval = 2 * time.Minute
		r.slurm.now = time.Now
		led, err := ledger.Open(r.cfg.StateDir)
		if err != nil {
			t.Fatal(err)
		}
		defer led.Close()
		sup, err := New(Options{Config: r.cfg, Slurm: r.slurm, Logger: zap.NewNop(), Ledger: led,
			Rand: rand.New(rand.NewPCG(7, 7)), UID: "1000"})
		if err != nil {
			t.Fatal(err)
		}
		// Something to resume from, never improved upon, written an hour
		// before the bubble's fake now.
		if err := ckpttest.WriteStep(r.cfg.Runs["d20"].CheckpointDir, 100, 1, 0.9); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		for _, n := range []string{"model_000100.pt", "meta_000100.json", "optim_000100_rank0.pt"} {
			os.Chtimes(filepath.Join(r.cfg.Runs["d20"].CheckpointDir, n), old, old)
		}

		ctx, cancel := context.WithCancel(context.Background())
		defer func() { cancel(); synctest.Wait() }()
		var submitted []time.Time
		go func() {
			// Slurm's side: every job runs for a minute, then fails.
			tick := time.NewTicker(10 * time.Second)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				r.slurm.mu.Lock()
				for _, id := range r.slurm.order {
					j := r.slurm.jobs[id]
					if !j.State.Terminal() && time.Since(j.Submit) >= time.Minute {
						j.State, j.End = slurm.ParseState("FAILED"), time.Now()
						j.ExitCode = slurm.ExitCode{Code: 1}
					}
				}
				r.slurm.mu.Unlock()
			}
		}()
		start := time.Now()
		go sup.Loop(ctx, nil, func(PassResult) {})
		time.Sleep(5 * time.Hour)

		r.slurm.mu.Lock()
		for _, id := range r.slurm.order {
			submitted = append(submitted, r.slurm.jobs[id].Submit)
		}
		calls := r.slurm.calls["sacct"] + r.slurm.calls["squeue"] + r.slurm.calls["sacct_window"]
		r.slurm.mu.Unlock()
		if len(submitted) < 8 || len(submitted) > 20 {
			t.Fatalf("%d submissions in 5h; want the backoff to space them (8..20)", len(submitted))
		}
		var gaps []time.Duration
		for i := 1; i < len(submitted); i++ {
			gaps = append(gaps, submitted[i].Sub(submitted[i-1]))
		}
		// Each gap is the job's minute, seen at the next 2m poll (nothing
		// writes a log here to wake the loop sooner), plus the backoff
		// (±20 % jitter, capped at 30m).
		for i, g := range gaps {
			want := run.BackoffDelay(time.Minute, 30*time.Minute, i+1, 0.5)
			lo := time.Minute + want*8/10
			hi := 2*time.Minute + 10*time.Second + min(want*12/10, 30*time.Minute)
			if g < lo || g > hi {
				t.Errorf("gap %d = %s; want between %s and %s (backoff %s)", i+1, g, lo, hi, want)
			}
		}
		// The loop sleeps between passes: nowhere near one call a second.
		if max := int(5*time.Hour/time.Minute) * 2; calls > max {
			t.Errorf("%d Slurm calls in 5h; want at most %d", calls, max)
		}
		t.Logf("5h of fake time in %d submissions, %d Slurm calls, since %s", len(submitted), calls, start.Format(time.TimeOnly))
	})
}
