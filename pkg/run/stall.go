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
// from one pass to the next it sees the log's modification time move from
// one value to another, and no silence inside that span is longer than the
// span (LogView.PrevModTime). The longest span seen while a job trained
// bounds every healthy pause seen, whatever the poll interval or stdout
// buffering. The spans are remembered in memory only, so a span across a
// restart of the daemon is never learned.
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

// LogQuiet is what the daemon learned of the run's log silences. It
// changes a few times per job, so every change is journaled.
type LogQuiet struct {
	// Job is the last job seen training.
	Job string `json:"job,omitempty"`
	// Longest is the longest span between two modification times of a
	// training job's log seen in consecutive passes, over the run's jobs.
	Longest time.Duration `json:"longest,omitempty"`
	// FromStep is the training step the log showed when the daemon began
	// watching: saves and evaluations after it were watched.
	FromStep int `json:"from_step,omitempty"`
}

// learnQuiet folds this pass's look at the running job's log into the
// run's LogQuiet. A job is followed once it has printed a training step:
// the silence of loading and compiling before it does not come back. Until
// every kind of pause has been watched, the watch starts over at each
// job, and when the daemon has seen the log only once (it was down, so
// the job was not watched meanwhile).
func (d *decider) learnQuiet() {
	q, job, log := &d.next.Quiet, d.next.Job, d.in.Log
	if !training(*job, log) {
		return
	}
	restart := q.Job != job.ID || log.PrevModTime.IsZero()
	if restart && q.FromStep != log.Summary.LastStep && !d.pausesWatched() {
		q.FromStep = log.Summary.LastStep
		d.dirty = true
	}
	if q.Job != job.ID {
		q.Job = job.ID
		d.dirty = true
	}
	if log.PrevModTime.IsZero() || log.PrevLastStep <= job.ResumeStep || log.PrevLastStep < 0 {
		return // no span, or one that began before the job trained
	}
	if gap := log.ModTime.Sub(log.PrevModTime); gap > q.Longest {
		q.Longest = gap
		d.dirty = true
	}
}

// training reports whether the job's log shows a training step after the
// step it resumed from.
func training(job JobRecord, log LogView) bool {
	return log.Summary != nil && !log.ModTime.IsZero() && log.Summary.LastStep >= 0 &&
		log.Summary.LastStep > job.ResumeStep
}

// pausesWatched reports whether, since FromStep, the daemon has watched
// the run save and make each kind of evaluation it makes.
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

// learnedStallWait is quietSafety times the longest healthy silence; ok is
// false until it may be trusted (the interval rule applies).
func (d *decider) learnedStallWait() (wait time.Duration, ok bool) {
	if d.next.Quiet.Job != d.next.Job.ID || !training(*d.next.Job, d.in.Log) || !d.pausesWatched() {
		return 0, false
	}
	return quietSafety * d.next.Quiet.Longest, true
}
