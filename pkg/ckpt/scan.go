package ckpt

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Settle is how recently a checkpoint file may have been modified and its
// step still count as being written: nanochat writes in place, without
// temporary files or a marker, so only time tells a save in progress.
const Settle = 10 * time.Second

// Options say what a complete step looks like.
type Options struct {
	// Ranks is the number of optimizer shards a step needs; 0 infers it
	// from the file names (see Report.Ranks).
	Ranks int
	// Now and SettleTime: files modified within SettleTime before Now, or
	// after Now, are still being written, and their step is not complete.
	// With a zero Now or a zero SettleTime (the writer is known to be
	// gone) no step is considered to be still being written.
	Now        time.Time
	SettleTime time.Duration
	// Newest, when above 0, verifies steps newest first only until that
	// many are complete (see scanNewest); 0 verifies every step.
	Newest int
}

// File is one checkpoint file of a step.
type File struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"` // KindModel, KindMeta or KindOptim
	Rank    int       `json:"rank"` // the shard's rank for KindOptim, -1 otherwise
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
}

// Step is the verdict on one checkpoint step.
type Step struct {
	Step     int  `json:"step"`
	Complete bool `json:"complete"`
	// Reason says why the step is not complete, naming the file, or is
	// "complete" followed by anything worth noting.
	Reason  string    `json:"reason"`
	Files   []File    `json:"files"` // model, meta, then shards by rank; everything found
	Bytes   int64     `json:"bytes"` // total size of Files
	ModTime time.Time `json:"mod_time"`
	// ValBPB is the meta file's finite val_bpb, nil when absent, null,
	// non-finite or unreadable, so that a Step always encodes as JSON.
	ValBPB *float64 `json:"val_bpb"`
	// SaveEvery is user_config.save_every from the meta file, 0 if unknown.
	SaveEvery int `json:"save_every,omitempty"`
	// NumIterations, EvalEvery and CoreMetricEvery are user_config's
	// num_iterations, eval_every and core_metric_every from the meta file,
	// 0 if unknown (Meta.UserInt).
	NumIterations   int `json:"num_iterations,omitempty"`
	EvalEvery       int `json:"eval_every,omitempty"`
	CoreMetricEvery int `json:"core_metric_every,omitempty"`
}

// Report is the verdict on every step of a checkpoint directory.
type Report struct {
	Dir           string `json:"dir,omitempty"`  // set by ScanDir; empty for Scan
	Ranks         int    `json:"ranks"`          // the rank count steps were judged against
	RanksInferred bool   `json:"ranks_inferred"` // Ranks came from the file names, not Options
	Steps         []Step `json:"steps"`          // ascending by Step
	// Unverified lists, ascending, the older steps a Scan with Options.Newest left
	// unopened that are complete by their file names; empty for Scan.
	Unverified []int `json:"unverified,omitempty"`
	// Notes are observations about the directory as a whole, such as
	// earlier steps written with more ranks than Options.Ranks.
	Notes []string `json:"notes,omitempty"`
}

// scanWorkers bounds how many steps Scan checks at once; the work is
// waiting on the file system, which on a cluster is often a network one.
const scanWorkers = 8

// Scan reads the directory once and verifies every step in it, or, with
// Options.Newest, the newest steps only.
func Scan(fsys fs.FS, opt Options) (Report, error) {
	r, _, err := scan(fsys, opt)
	return r, err
}

// scan is Scan, with the listing it read.
func scan(fsys fs.FS, opt Options) (Report, listing, error) {
	if opt.Ranks < 0 || opt.Ranks > MaxRank {
		return Report{}, listing{}, fmt.Errorf("ranks %d outside 0…%d", opt.Ranks, MaxRank)
	}
	l, err := listSteps(fsys)
	if err != nil {
		return Report{}, l, err
	}
	c := &checker{fsys: fsys, listing: l, ranks: opt.Ranks, opt: opt}
	if c.ranks == 0 {
		c.ranks = l.inferRanks()
	}
	if opt.Newest > 0 {
		return scanNewest(l, c, opt), l, nil
	}
	steps := make([]Step, len(l.steps))
	var wg sync.WaitGroup
	workers := make(chan struct{}, scanWorkers)
	for i := range l.steps {
		workers <- struct{}{}
		wg.Go(func() {
			steps[i] = c.verify(l.steps[i])
			<-workers
		})
	}
	wg.Wait()
	r := Report{Ranks: c.ranks, RanksInferred: opt.Ranks == 0, Steps: steps}
	r.Notes = rankNotes(l, r)
	return r, l, nil
}

// ScanDir scans the directory dir and records it in the report.
func ScanDir(dir string, opt Options) (Report, error) {
	r, err := Scan(os.DirFS(dir), opt)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", dir, err)
	}
	r.Dir = dir
	return r, nil
}

// rankNotes sanity-checks a rank count the caller gave against the files:
// shards are per rank, so a step written with more ranks cannot be resumed
// with fewer, and a rank count no step has suggests a wrong setting.
func rankNotes(l listing, r Report) []string {
	if r.RanksInferred {
		return nil
	}
	var notes, wider []string
	widest, widestComplete := 0, 0
	for i, s := range l.steps {
		if s.model.listed && s.meta.listed {
			widest = max(widest, s.shards())
		}
		if r.Steps[i].Complete && s.shards() > r.Ranks {
			wider = append(wider, strconv.Itoa(s.step))
			widestComplete = max(widestComplete, s.shards())
		}
	}
	if len(wider) > 0 {
		notes = append(notes, fmt.Sprintf("complete steps %s have up to %d optimizer shards, more than ranks %d: "+
			"each resumes only with as many ranks as it has shards", listNames(wider), widestComplete, r.Ranks))
	}
	if widest < r.Ranks && len(l.steps) > 0 {
		notes = append(notes, fmt.Sprintf("no step has %d optimizer shards; the files suggest %d ranks", r.Ranks, max(widest, 1)))
	}
	return notes
}

// NewestComplete returns the newest complete step of the report.
func (r Report) NewestComplete() (Step, bool) {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Complete {
			return r.Steps[i], true
		}
	}
	return Step{}, false
}

// CompleteSteps returns the complete steps' numbers, ascending.
func (r Report) CompleteSteps() []int {
	var steps []int
	for _, s := range r.Steps {
		if s.Complete {
			steps = append(steps, s.Step)
		}
	}
	return steps
}

// Step returns the verdict on step n, if the report has one.
func (r Report) Step(n int) (Step, bool) {
	for _, s := range r.Steps {
		if s.Step == n {
			return s, true
		}
	}
	return Step{}, false
}

// scanNewest verifies steps newest first until it has found opt.Newest
// complete steps, and reports every step it verified, ascending. That is
// what a supervisor needs each time a checkpoint directory changes (the
// step to resume from, why anything newer is unusable, and one fallback)
// for the cost of one listing and a few steps: a full Scan of 2,000 steps
// opens 20,000 files, this about ten. Older steps are neither opened nor
// stat'ed: Report.Unverified lists those complete by name. The report has
// no Notes, which need every step's verdict.
func scanNewest(l listing, c *checker, opt Options) Report {
	want := opt.Newest
	var steps []Step
	i := len(l.steps) - 1
	for found := 0; i >= 0 && found < want; i-- {
		s := c.verify(l.steps[i])
		steps = append(steps, s)
		if s.Complete {
			found++
		}
	}
	slices.Reverse(steps)
	r := Report{Ranks: c.ranks, RanksInferred: opt.Ranks == 0, Steps: steps}
	for j := 0; j <= i; j++ {
		if l.steps[j].named(c.ranks) {
			r.Unverified = append(r.Unverified, l.steps[j].step)
		}
	}
	return r
}

// named reports whether the listing has every file of the step for ranks
// optimizer shards: the step is complete by its file names.
func (s *stepEntries) named(ranks int) bool {
	if !s.model.listed || !s.meta.listed {
		return false
	}
	n := 0
	for _, r := range s.optim {
		if r.rank < ranks {
			n++
		}
	}
	return n == ranks
}
