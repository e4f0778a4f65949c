package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

// driver plays the training jobs and the cluster: every 100–300 ms it ends
// some RUNNING jobs of the runs, after writing a new complete checkpoint
// for the run so that each end is progress, and it samples the fake's job
// list for twins. It runs while the daemon is alive and while it is dead.
type driver struct {
	c    *cluster
	runs map[string]runSpec // by job name
	rng  *rand.Rand

	mu      sync.Mutex
	ending  bool
	steps   map[string]int // last checkpoint step written, by job name
	ended   map[string]int // jobs ended, by final state
	samples int
	twins   []string // evidence of every sample that saw two live jobs of one name
	errs    []error
}

func newDriver(c *cluster, runs []runSpec, seed uint64) *driver {
	d := &driver{c: c, runs: map[string]runSpec{}, rng: rand.New(rand.NewPCG(seed, 0x70a7)),
		ending: true, steps: map[string]int{}, ended: map[string]int{}}
	for _, r := range runs {
		d.runs[r.JobName] = r
	}
	return d
}

// loop ticks until ctx is done.
func (d *driver) loop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		d.mu.Lock()
		pause := time.Duration(100+d.rng.IntN(201)) * time.Millisecond
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		if err := d.tick(); err != nil {
			d.mu.Lock()
			d.errs = append(d.errs, err)
			d.mu.Unlock()
		}
	}
}

// setEnding turns the ending of jobs on or off; sampling goes on.
func (d *driver) setEnding(on bool) {
	d.mu.Lock()
	d.ending = on
	d.mu.Unlock()
}

func (d *driver) tick() error {
	jobs, err := d.c.jobs()
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.samples++
	if ev := twinEvidence(jobs); ev != "" {
		d.twins = append(d.twins, time.Now().Format("15:04:05.000")+" "+ev)
	}
	if !d.ending {
		return nil
	}
	for _, j := range jobs {
		r, ours := d.runs[j.Name]
		if !ours || d.rng.Float64() >= 0.6 {
			continue
		}
		switch j.State {
		case "PENDING":
			if _, err := d.c.run("run", strconv.Itoa(j.ID)); err != nil {
				return err
			}
		case "RUNNING":
			if err := d.end(r, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// twinEvidence describes the live jobs of every job name that has more
// than one, or returns "".
func twinEvidence(jobs []fakeJob) string {
	live := map[string][]string{}
	for _, j := range jobs {
		if j.live() {
			live[j.Name] = append(live[j.Name], j.String())
		}
	}
	var ev []string
	for _, list := range live {
		if len(list) > 1 {
			ev = append(ev, strings.Join(list, "; "))
		}
	}
	sort.Strings(ev)
	return strings.Join(ev, " | ")
}

// endStates are how the driver ends a job, with their weights: mostly the
// 24 h limit, sometimes the infrastructure, rarely a crash. Each end comes
// after a new checkpoint, so none of them is a crash loop.
var endStates = []struct {
	state, exit string
	weight      int
}{
	{"TIMEOUT", "0:0", 80},
	{"NODE_FAIL", "0:0", 7},
	{"PREEMPTED", "0:0", 7},
	{"FAILED", "1:0", 6},
}

// end writes the run's next checkpoint, then ends the job.
func (d *driver) end(r runSpec, j fakeJob) error {
	step := d.steps[r.JobName] + 100
	if err := writeSettledStep(r.Ckpt, step); err != nil {
		return fmt.Errorf("checkpoint %d of %s: %w", step, r.Name, err)
	}
	d.steps[r.JobName] = step
	n := d.rng.IntN(100)
	for _, e := range endStates {
		if n -= e.weight; n < 0 {
			if _, err := d.c.run("set", strconv.Itoa(j.ID), e.state, e.exit); err != nil {
				return err
			}
			d.ended[e.state]++
			return nil
		}
	}
	return nil
}

// writeSettledStep writes a complete checkpoint step into a staging
// directory, dates it a minute back (so the daemon does not wait for it to
// settle), and moves it into place model first and meta last, as nanochat
// saves.
func writeSettledStep(dir string, step int) error {
	stage, err := os.MkdirTemp(filepath.Dir(dir), ".stage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := ckpttest.WriteStep(stage, step, 1, 1+1000/float64(step)); err != nil {
		return err
	}
	past := time.Now().Add(-time.Minute)
	pad := fmt.Sprintf("%06d", step)
	for _, name := range []string{"model_" + pad + ".pt", "optim_" + pad + "_rank0.pt", "meta_" + pad + ".json"} {
		from := filepath.Join(stage, name)
		if err := os.Chtimes(from, past, past); err != nil {
			return err
		}
		if err := os.Rename(from, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// report returns what the driver did and saw.
func (d *driver) report() (ended map[string]int, samples int, twins []string, errs []error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ended = map[string]int{}
	for k, v := range d.ended {
		ended[k] = v
	}
	return ended, d.samples, append([]string(nil), d.twins...), append([]error(nil), d.errs...)
}
