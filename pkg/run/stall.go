package run

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// How long a running job's log may be silent before the job is stalled.
//
// A hung job (a stuck NCCL collective) prints nothing more. A healthy
// nanochat job prints a line every step and is silent only while it saves,
// evaluates val_bpb or evaluates CORE — pauses that come back, at the same
// length, all run long. So the daemon learns them from the run's own log:
// between two passes it sees the log's modification time move from one
// value to the next, and no silence inside that span is longer than the
// span. The longest span seen while a job trained bounds every healthy
// pause seen, whatever the poll interval or stdout buffering.
//
// The learned bound is trusted once the daemon has watched the run through
// a save and through each kind of evaluation the run makes (from the
// newest meta's user_config, or the log's own evaluation lines): the first
// CORE evaluation, the longest pause, must not be mistaken for a hang.
// Then a silence of quietSafety times the bound is a stall, unless
// stall_after_intervals save intervals are shorter: the interval rule
// stays the cap, and the rule before anything is learned, and while the
// current job has not printed a training step (loading and compiling).

// quietSafety is how many times the longest healthy silence seen a job's
// log must be silent to be stalled. The bound already includes up to one
// poll interval on top of the pause itself; twice that leaves room for a
// save on a slow filesystem day without waiting for whole save intervals.
const quietSafety = 2

// LogQuiet is what the daemon learned of the run's log silences.
type LogQuiet struct {
	// Job is the running job the last pass looked at, SeenAt that pass's
	// time.
	Job    string    `json:"job,omitempty"`
	SeenAt time.Time `json:"seen_at,omitzero"`
	// LogAt is the job's log's modification time at that pass; zero until
	// the job was seen training.
	LogAt time.Time `json:"log_at,omitzero"`
	// Longest is the longest time between two modification times of a
	// training job's log seen in consecutive passes, over the run's jobs.
	Longest time.Duration `json:"longest,omitempty"`
	// FromStep is the training step the log showed when the daemon began
	// watching: saves and evaluations after it were watched.
	FromStep int `json:"from_step,omitempty"`
}

// learnQuiet folds this pass's look at the running job's log into the
// run's LogQuiet. A job is followed once it has printed a training step:
// the silence of loading and compiling before it does not come back.
// Two passes much further apart than the poll interval (the daemon was
// down, Slurm did not answer) measure the daemon, not the job: that span
// is not learned from. Until every kind of pause has been watched, such a
// lapse, and the start of each job, start the watch over.
func (d *decider) learnQuiet() {
	q, job, log, now := &d.next.Quiet, d.next.Job, d.in.Log, d.in.Now
	poll := d.in.Spec.PollInterval
	lapse := q.Job != job.ID || (poll > 0 && now.Sub(q.SeenAt) > 2*poll)
	if q.Job != job.ID {
		q.LogAt = time.Time{}
		d.dirty = true
	}
	q.Job, q.SeenAt = job.ID, now
	if !training(*job, log) {
		return
	}
	switch {
	case lapse || q.LogAt.IsZero():
		if !d.pausesWatched() {
			q.FromStep = log.Summary.LastStep
		}
		q.LogAt = log.ModTime
		d.dirty = true
	case log.ModTime.After(q.LogAt):
		if gap := log.ModTime.Sub(q.LogAt); gap > q.Longest {
			q.Longest = gap
			d.dirty = true
		}
		q.LogAt = log.ModTime
	}
}

// training reports whether the job's log shows a training step after the
// step it resumed from.
func training(job JobRecord, log LogView) bool {
	return log.Summary != nil && !log.ModTime.IsZero() && log.Summary.LastStep >= 0 &&
		log.Summary.LastStep > job.ResumeStep
}

// pausesWatched reports whether the daemon has watched the run, since
// FromStep, save and make each kind of evaluation it makes (from the
// newest meta's user_config, or the log's own evaluation lines).
func (d *decider) pausesWatched() bool {
	st, q, c := d.next, d.next.Quiet, d.in.Ckpt
	watched := func(points []trainer.Point, every int) bool {
		if every <= 0 && len(points) == 0 {
			return true // the run makes no such evaluation
		}
		return len(points) > 0 && points[len(points)-1].Step > q.FromStep
	}
	return q.Longest > 0 && st.NewestStep > q.FromStep &&
		watched(st.ValBPB, c.NewestEvalEvery) && watched(st.Core, c.NewestCoreEvery)
}

// learnedStallWait is quietSafety times the longest healthy silence, when
// the run's pauses have all been watched and the current job is training;
// ok is false otherwise (the interval rule applies).
func (d *decider) learnedStallWait() (wait time.Duration, ok bool) {
	q := d.next.Quiet
	if q.Job != d.next.Job.ID || q.LogAt.IsZero() || !training(*d.next.Job, d.in.Log) || !d.pausesWatched() {
		return 0, false
	}
	return quietSafety * q.Longest, true
}
