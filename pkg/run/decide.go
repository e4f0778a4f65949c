package run

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// Timing constants of the decision rules. They follow SLURM-FACTS.md.
const (
	// sacctGrace: right after sbatch, sacct has no row for up to ~2 s;
	// much longer than that, with squeue not listing the job either, the
	// job is reported missing (but never resubmitted blindly).
	sacctGrace = 5 * time.Minute
	// intentGrace: how long an intent without a job may stay unresolved
	// before the daemon concludes that sbatch created nothing.
	intentGrace = 2 * time.Minute
	// timeoutTick: slurmctld checks time limits every 30 s, so TIMEOUT
	// shows up at the limit plus up to 30 s.
	timeoutTick = 30 * time.Second
	// soon is the delay of a recheck that should happen almost at once.
	soon = time.Second
	// shortRecheck is for states that change within seconds (COMPLETING,
	// no sacct row yet).
	shortRecheck = 5 * time.Second
)

// Decide is the whole decision table of DESIGN.md as a pure function: the
// same Input always gives the same Plan.
func Decide(in Input) Plan {
	d := &decider{in: in, next: in.State.Clone()}
	d.next.Name = in.Spec.Name
	d.observe()
	d.decide()
	if d.changed() {
		d.next.Updated = in.Now
	}
	return Plan{Next: d.next, Actions: d.actions, Events: d.events, RecheckAfter: d.recheck}
}

type decider struct {
	in      Input
	next    RunState
	actions []Action
	events  []Event
	recheck time.Duration
	// dirty marks a change of the state that no event, action or phase
	// shows (a job's pending reason), so that it is recorded.
	dirty bool
}

func (d *decider) event(name string, kv ...any) {
	d.events = append(d.events, NewEvent(name, d.in.Spec.Name, kv...))
}

func (d *decider) changed() bool {
	return d.dirty || len(d.events) > 0 || len(d.actions) > 1 || d.next.Phase != d.in.State.Phase || d.next.Reason != d.in.State.Reason
}

// observe folds this pass's observations into the state: evaluations from
// the log, the newest complete checkpoint.
func (d *decider) observe() {
	in := d.in
	if s := in.Log.Summary; s != nil {
		d.next.ValBPB = mergePoints(d.next.ValBPB, s.ValBPB)
		d.next.Core = mergePoints(d.next.Core, s.Core)
		if s.PlannedTotal > 0 {
			d.next.PlannedTotal = s.PlannedTotal
		}
		d.next.TrainingFinished = d.next.TrainingFinished || s.Finished
	}
	d.noteSteps()
	if in.Spec.Paused || d.next.Phase.Terminal() {
		// Not observed in this pass (passRun): nothing to compare.
		return
	}
	d.observeHold()
	if in.Ckpt.Err != nil {
		return
	}
	if d.next.PlannedTotal == 0 && in.Ckpt.NewestNumIterations > 0 {
		d.next.PlannedTotal = in.Ckpt.NewestNumIterations
	}
	if p, ok := metaEvaluation(in.Ckpt, d.next.ValBPB, d.next.PlannedTotal); ok {
		d.next.ValBPB = mergePoints(d.next.ValBPB, []trainer.Point{p})
	}
	if c := in.Ckpt; c.Newest != NoStep && c.Newest >= d.next.NewestStep {
		d.next.EvalEvery, d.next.CoreEvery, d.next.SaveEvery = c.NewestEvalEvery, c.NewestCoreEvery, c.NewestSaveEvery
	}
	if in.Ckpt.Newest > d.next.NewestStep {
		d.next.NewestStep = in.Ckpt.Newest
		d.noteSave(in.Ckpt.Newest)
		d.event(EventCheckpointComplete, FieldNewestStep, in.Ckpt.Newest, FieldValBPB, in.Ckpt.NewestValBPB)
	}
	d.observeStorage()
	d.observeIncomplete()
}

// listedIncomplete bounds the steps one checkpoint_incomplete event names.
const listedIncomplete = 5

// observeIncomplete logs the torn steps not reported yet in one event: the
// newest with its reason, how many there are, and the newest few. A
// directory of 33,000 torn steps is one line, not 33,000.
func (d *decider) observeIncomplete() {
	c := d.in.Ckpt
	if c.Settling {
		return
	}
	fresh := slices.DeleteFunc(slices.Clone(c.Incomplete), func(s IncompleteStep) bool { return s.Step <= d.next.ReportedIncomplete })
	if len(fresh) == 0 {
		return
	}
	slices.SortFunc(fresh, func(a, b IncompleteStep) int { return b.Step - a.Step })
	steps := make([]int, 0, listedIncomplete)
	for _, s := range fresh[:min(len(fresh), listedIncomplete)] {
		steps = append(steps, s.Step)
	}
	newest := fresh[0]
	d.next.ReportedIncomplete = newest.Step
	d.event(EventCheckpointIncomplete, FieldStep, newest.Step, FieldReason, newest.Reason, FieldNewestStep, c.Newest,
		FieldCount, len(fresh), FieldSteps, steps)
}

func (d *decider) decide() {
	in := d.in
	if d.next.isSuccessorIntent() {
		d.resolveIntent()
	}
	switch {
	case d.next.Phase.Terminal():
		// Paused or not: a run that is over stays over.
		d.recheckTargets()
		d.followLastJob()
		return
	case in.Spec.Paused || d.next.Paused:
		// Observed, never acted upon: the job's record stays true to
		// sacct, but its end is left for after the pause.
		d.trackJob()
		d.cancelSuccessor(ReasonPaused)
		d.setPhase(PhasePaused, ReasonPaused)
		return
	case d.next.Phase == PhasePaused:
		// Unpaused: decide afresh below.
		d.setPhase(PhaseWaiting, ReasonNoJob)
	}
	if d.targetsReached() {
		d.followLastJob()
		return
	}
	if j := d.next.Job; in.Slurm.SacctErr != nil && j != nil && !j.Handled {
		// The decision depends on sacct's row for the job.
		d.unknown()
		return
	}
	d.next.UnknownSince = time.Time{}
	if d.next.Intent != nil && !d.next.isSuccessorIntent() && !d.resolveIntent() {
		return
	}
	switch {
	case d.next.Job != nil:
		d.followJob()
	case d.next.Reason == ReasonOperatorResume:
		// A run that never had a job: submit adopts a live job of the run
		// rather than twin it.
		d.submit(ReasonOperatorResume)
	default:
		d.adoptOrStart()
	}
}

func (d *decider) setPhase(p Phase, reason string) {
	d.next.Phase = p
	d.next.Reason = reason
}

func (d *decider) wait(p Phase, reason string, after time.Duration) {
	d.setPhase(p, reason)
	w := Wait{Reason: reason}
	if after > 0 {
		w.Until = d.in.Now.Add(after)
		d.recheckIn(after)
	}
	d.actions = append(d.actions, w)
}

func (d *decider) recheckIn(after time.Duration) {
	if after <= 0 {
		after = soon
	}
	if d.recheck == 0 || after < d.recheck {
		d.recheck = after
	}
}

// unknown waits for Slurm to answer, or to be asked, again.
func (d *decider) unknown() {
	if d.next.UnknownSince.IsZero() {
		d.next.UnknownSince = d.in.Now
	}
	// Retry sooner than the poll interval at first, then back off.
	n := int(d.in.Now.Sub(d.next.UnknownSince)/(30*time.Second)) + 1
	delay := BackoffDelay(10*time.Second, d.pollInterval(), n, 0.5)
	d.wait(PhaseUnknown, ReasonSlurmUnavailable, delay)
}

func (d *decider) pollInterval() time.Duration {
	return cmp.Or(d.in.Spec.PollInterval, 2*time.Minute)
}

// targetsReached completes the run when the latest evaluations at or
// before the newest complete checkpoint meet every target. Evaluations
// newer than the newest complete checkpoint do not count: a model that was
// never saved cannot be the result.
func (d *decider) targetsReached() bool {
	t := d.in.Spec.Targets
	if (t.ValBPB == nil && t.CoreMetric == nil) || d.next.NewestStep == NoStep {
		return false
	}
	m := trainer.MetricsAtOrBefore(d.next.ValBPB, d.next.Core, d.next.NewestStep)
	if !t.Reached(m) {
		return false
	}
	d.setPhase(PhaseDone, ReasonTargetReached)
	d.actions = append(d.actions, Complete{Reason: ReasonTargetReached})
	kv := []any{FieldReason, ReasonTargetReached, FieldNewestStep, d.next.NewestStep, FieldJobID, jobID(d.next.Job)}
	if m.ValBPB != nil {
		kv = append(kv, FieldValBPB, m.ValBPB.Value)
	}
	if m.Core != nil {
		kv = append(kv, FieldCore, m.Core.Value)
	}
	d.event(EventRunTargetReached, kv...)
	return true
}

// makeTag is the --comment given to a submission: run, attempt and nonce,
// so that a job whose id was lost can be recognised. Every tag of a run
// starts with tagPrefix.
func makeTag(run string, attempt int, nonce string) string {
	return TagPrefix(run) + strconv.Itoa(attempt) + ":" + nonce
}

func TagPrefix(run string) string { return "nsv:" + run + ":" }

// PreviewTag is the tag a dry run shows for an attempt: the nonce is drawn
// when the job is submitted.
func PreviewTag(run string, attempt int) string { return makeTag(run, attempt, "…") }

// liveQueueEntry returns the newest live squeue entry of the run other
// than exceptID.
func liveQueueEntry(q []slurm.QueueEntry, exceptID string) (slurm.QueueEntry, bool) {
	live := slices.DeleteFunc(slices.Clone(q), func(e slurm.QueueEntry) bool { return e.ID == exceptID || e.State.Terminal() })
	if len(live) == 0 {
		return slurm.QueueEntry{}, false
	}
	return slices.MaxFunc(live, func(a, b slurm.QueueEntry) int {
		return cmp.Or(a.Submit.Compare(b.Submit), cmp.Compare(a.ID, b.ID))
	}), true
}

// storageMargin: warn when the free space is below this many times the
// size of the newest checkpoint (the next one will be about as large).
const storageMargin = 1.5

// observeStorage logs storage_low once when the checkpoint filesystem can
// no longer hold the next checkpoint, and clears it when it can again.
func (d *decider) observeStorage() {
	c := d.in.Ckpt
	if c.FreeBytes < 0 || c.NewestBytes <= 0 {
		return
	}
	low := float64(c.FreeBytes) < storageMargin*float64(c.NewestBytes)
	if low && !d.next.StorageLow {
		d.event(EventStorageLow, FieldBytes, c.FreeBytes, "checkpoint_bytes", c.NewestBytes, FieldNewestStep, c.Newest,
			"free_from", nonEmpty(c.FreeFrom))
	}
	d.next.StorageLow = low
}

// metaEvaluation is the evaluation a checkpoint's meta records, placed at
// the step it was made at. meta's val_bpb is nanochat's most recent
// evaluation, made every eval_every steps and at the last step, so it may
// be older than the checkpoint. The log's own line is the real record: an
// evaluation the log already holds is never recorded again, nor is a
// meta value the log shows at an earlier step when eval_every is unknown.
func metaEvaluation(c CkptView, have []trainer.Point, planned int) (trainer.Point, bool) {
	if c.Newest == NoStep || c.NewestValBPB == nil {
		return trainer.Point{}, false
	}
	p := trainer.Point{Step: c.Newest, Value: *c.NewestValBPB}
	if every := c.NewestEvalEvery; every > 0 && c.Newest != planned {
		p.Step = c.Newest - c.Newest%every
	}
	if slices.ContainsFunc(have, func(h trainer.Point) bool { return h.Step == p.Step }) {
		return trainer.Point{}, false
	}
	// The log prints val_bpb with 6 decimals; meta keeps every digit.
	if last := trainer.MetricsAtOrBefore(have, nil, c.Newest).ValBPB; c.NewestEvalEvery == 0 && last != nil && math.Abs(last.Value-p.Value) <= 5e-7 {
		return trainer.Point{}, false
	}
	return p, true
}
