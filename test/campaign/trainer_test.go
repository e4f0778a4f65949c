package campaign

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// ckptFile matches the three files of a nanochat checkpoint (one rank).
var ckptFile = regexp.MustCompile(`^(model|meta|optim)_(\d{6})(_rank0)?\.(pt|json)$`)

// stepFiles groups a checkpoint directory's files by step.
func stepFiles(dir string) map[int][]string {
	entries, _ := os.ReadDir(dir)
	steps := map[int][]string{}
	for _, e := range entries {
		m := ckptFile.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		steps[n] = append(steps[n], e.Name())
	}
	return steps
}

// complete is the test's own judgement, independent of the daemon's: the
// model and the optimizer shard open as zip archives and the meta file is
// JSON.
func complete(dir string, step int) bool {
	for _, name := range []string{fmt.Sprintf("model_%06d.pt", step), fmt.Sprintf("optim_%06d_rank0.pt", step)} {
		zr, err := zip.OpenReader(filepath.Join(dir, name))
		if err != nil {
			return false
		}
		zr.Close()
	}
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("meta_%06d.json", step)))
	return err == nil && json.Valid(b)
}

// watchCheckpoints notes, for every run, when a complete checkpoint first
// appears: from then on no job of the run may start from scratch.
func (c *campaign) watchCheckpoints(ctx context.Context) {
	for {
		for _, r := range c.allRuns() {
			c.mu.Lock()
			seen := !r.firstComplete.IsZero()
			c.mu.Unlock()
			if seen {
				continue
			}
			for step := range stepFiles(r.ckpt) {
				if complete(r.ckpt, step) {
					c.mu.Lock()
					r.firstComplete = time.Now()
					c.mu.Unlock()
					c.logf("%s: first complete checkpoint, step %d", r.name, step)
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// trainerPID finds the simulated trainer writing into dir, 0 if none.
func trainerPID(dir string) int {
	procs, _ := filepath.Glob("/proc/[0-9]*/comm")
	want := []byte("\x00SIMTRAIN_CHECKPOINT_DIR=" + dir + "\x00")
	for _, p := range procs {
		comm, err := os.ReadFile(p)
		if err != nil || string(bytes.TrimSpace(comm)) != "nsv-simtrain" {
			continue
		}
		env, err := os.ReadFile(filepath.Join(filepath.Dir(p), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), want) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		return pid
	}
	return 0
}

// saveMoment is a step of a run caught at a chosen moment of its save,
// with the trainer writing it.
type saveMoment struct {
	run   *run
	pid   int
	step  int
	files []string // the step's files at that moment
}

// catchSave watches the checkpoint directories of the runs that have a
// trainer, in a random order, each for up to three save intervals, until
// at reports that a step has reached the wanted moment of its save; before
// is the run's steps when the watch began.
func (c *campaign) catchSave(at func(r *run, before map[int][]string, step int, files []string) bool) (saveMoment, bool) {
	runs := c.active()
	for _, i := range c.rng.Perm(len(runs)) {
		r := runs[i]
		pid := trainerPID(r.ckpt)
		if pid == 0 {
			continue
		}
		before := stepFiles(r.ckpt)
		for end := time.Now().Add(3 * saveEvery * time.Duration(stepTime*float64(time.Second))); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			for step, files := range stepFiles(r.ckpt) {
				if at(r, before, step, files) {
					return saveMoment{run: r, pid: pid, step: step, files: files}, true
				}
			}
			if syscall.Kill(pid, 0) != nil {
				break // the job ended meanwhile
			}
		}
	}
	return saveMoment{}, false
}

// kill ends the trainer with SIGKILL, as a node failure would.
func (m saveMoment) kill() error {
	if err := syscall.Kill(m.pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("the trainer (PID %d) ended before the kill: %v", m.pid, err)
	}
	return nil
}

// tornSave kills a run's trainer in the middle of a save, leaving the
// step's files torn under their final names. The job then fails; the run
// must resume from an older step.
func (c *campaign) tornSave() (bool, string) {
	m, ok := c.catchSave(func(_ *run, before map[int][]string, step int, files []string) bool {
		// Steps torn earlier stay torn; only a step that is not yet
		// whole and was not torn before is being saved now.
		old, seen := before[step]
		return len(files) < 3 && !(seen && len(old) < 3)
	})
	if !ok {
		return false, "no trainer in a save"
	}
	if err := m.kill(); err != nil {
		return false, err.Error()
	}
	c.logf("%s: trainer killed in the save of step %d (files then: %v)", m.run.name, m.step, m.files)
	return true, ""
}

// provokeSubmission kills one running trainer (the job fails, with
// progress), so that the daemon has a resubmission to make.
func (c *campaign) provokeSubmission() {
	runs := c.active()
	for _, i := range c.rng.Perm(len(runs)) {
		r := runs[i]
		if pid := trainerPID(r.ckpt); pid != 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
			c.logf("%s: trainer killed to provoke a resubmission", r.name)
			c.fig.add("trainer_kills", 1)
			return
		}
	}
}

// clockAhead is how far ahead of the daemon's clock a trainer node's clock
// runs in checkpoint_clock_ahead.
const clockAhead = 10 * time.Minute

// checkpointClockAhead plays a training node whose clock runs ahead of the
// daemon's (a clock step on the node, or on the file server): the next
// checkpoint it saves is stamped ten minutes in the future, and then the
// job dies. The step is complete; the daemon must not hold the run until
// the stamp is in the past, nor take the step for a torn one.
func (c *campaign) checkpointClockAhead() (bool, string) {
	m, ok := c.catchSave(func(r *run, before map[int][]string, step int, _ []string) bool {
		_, old := before[step]
		return !old && complete(r.ckpt, step)
	})
	if !ok {
		return false, "no trainer saved a checkpoint"
	}
	future := time.Now().Add(clockAhead)
	for _, name := range stepFiles(m.run.ckpt)[m.step] {
		if err := os.Chtimes(filepath.Join(m.run.ckpt, name), future, future); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := m.kill(); err != nil {
		return false, err.Error()
	}
	c.logf("%s: step %d stamped %s ahead, then its trainer killed", m.run.name, m.step, clockAhead)
	return true, ""
}
