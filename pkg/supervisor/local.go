package supervisor

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// settleTime: a checkpoint file modified this recently may still be being
// written (ckpt.Settle).
const settleTime = ckpt.Settle

// rescanEvery bounds how long a cached checkpoint verdict is trusted when
// the directory looks unchanged (network filesystems can lag on mtimes,
// and files rewritten in place leave the directory's mtime alone). How the
// rescans stay cheap and spread out: rescan.go.
const rescanEvery = 10 * time.Minute

// ckptCache remembers the last scan of each run's checkpoint directory, so
// that a pass over an unchanged directory reads nothing but its metadata.
type ckptCache struct {
	mu      sync.Mutex
	entries map[string]ckptEntry
	counts  ckptCounts
}

type ckptEntry struct {
	dirMod  time.Time
	checked time.Time // when the verdict was last verified or rechecked
	phase   time.Duration
	ranks   int
	settle  time.Duration
	view    run.CkptView
	seen    dirSeen
}

// ckptCounts counts what observeCkpt did, for tests and benchmarks.
type ckptCounts struct {
	scans    int // verifying scans (ckpt.Scan with Newest)
	rechecks int // periodic rechecks that found nothing changed
}

// observeCkpt judges the run's checkpoint directory. settle is how recent
// a write must be for its step to count as still being written: zero once
// the run's job is gone, because then nothing can be writing. A directory
// whose mtime has not moved keeps its cached verdict, rechecked once per
// rescanEvery (rescan.go).
func (s *Supervisor) observeCkpt(rc runConfig, now time.Time, settle time.Duration) run.CkptView {
	dir := rc.CheckpointDir
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return run.CkptView{Newest: run.NoStep, FreeBytes: -1, Missing: true}
	}
	if err != nil {
		return run.CkptView{Newest: run.NoStep, FreeBytes: -1, Err: err}
	}
	if !fi.IsDir() {
		return run.CkptView{Newest: run.NoStep, FreeBytes: -1, Err: &fs.PathError{Op: "scan", Path: dir, Err: errors.New("not a directory")}}
	}
	c := &s.ckpts
	c.mu.Lock()
	e, ok := c.entries[dir]
	c.mu.Unlock()
	if ok && e.ranks == rc.Ranks && e.settle == settle && e.dirMod.Equal(fi.ModTime()) && !e.view.Settling {
		due := rescanPeriod(now, e.phase) != rescanPeriod(e.checked, e.phase)
		if !due || e.seen.unchanged(dir) {
			if due {
				e.checked = now
				c.mu.Lock()
				c.entries[dir] = e
				c.counts.rechecks++
				c.mu.Unlock()
			}
			e.view.FreeBytes = ckpt.FreeBytes(dir)
			return e.view
		}
	}
	view, seen := scanDir(dir, rc.Ranks, now, settle)
	view.FreeBytes = ckpt.FreeBytes(dir)
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]ckptEntry{}
	}
	c.entries[dir] = ckptEntry{dirMod: fi.ModTime(), checked: now, phase: rescanPhase(dir),
		ranks: rc.Ranks, settle: settle, view: view, seen: seen}
	c.counts.scans++
	c.mu.Unlock()
	return view
}

// viewOf turns a scan of the directory into what Decide needs: the
// newest complete step, and the steps after it that are torn or still
// being written. The scan (scanDir) runs each time the directory changes,
// so it verifies only what can matter (ckpt.Scan with Newest): the two newest
// complete steps, the resume step and the poison fallback, and every step
// after them. Older steps are in Complete by file names alone, unopened,
// with a zero ModTime: nanochat never rewrites a step older than the one a
// run resumed from, and a step that old is only reached after two
// fallbacks. This keeps the cost of a change at one listing and a few
// steps instead of a full verification (Scan of 2,000 steps × 10 files:
// about a second).
func viewOf(rep ckpt.Report, now time.Time, settle time.Duration) run.CkptView {
	v := run.CkptView{Newest: run.NoStep, FreeBytes: -1}
	if newest, ok := rep.NewestComplete(); ok {
		v.Newest = newest.Step
		v.NewestValBPB = newest.ValBPB
		v.NewestNumIterations, v.NewestEvalEvery, v.NewestCoreEvery = newest.NumIterations, newest.EvalEvery, newest.CoreMetricEvery
		v.NewestBytes = newest.Bytes
	}
	for _, step := range rep.Unverified {
		v.Complete = append(v.Complete, run.CompleteStep{Step: step})
	}
	for _, st := range rep.Steps {
		if st.Complete {
			v.Complete = append(v.Complete, run.CompleteStep{Step: st.Step, ModTime: st.ModTime})
		}
		if st.Step <= v.Newest || st.Complete {
			continue
		}
		if settle > 0 && now.Sub(st.ModTime) < settle {
			v.Settling = true
			continue
		}
		v.Incomplete = append(v.Incomplete, run.IncompleteStep{Step: st.Step, Reason: st.Reason})
	}
	return v
}
