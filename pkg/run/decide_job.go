package run

import (
	"cmp"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// resolveIntent looks for the job of the recorded intent. It returns true
// when the pass may go on (the job was found and adopted, or the intent is
// provably void), false when the run must wait. A successor's intent
// (decide_queue.go) holds nothing up: its job becomes the successor, and
// while it is unresolved the run's own job goes on.
func (d *decider) resolveIntent() bool {
	in, st := d.in, &d.next
	it, successor := st.Intent, st.isSuccessorIntent()
	if id, ok := d.findTagged(it.Tag); ok {
		st.Intent = nil
		if !successor {
			d.adoptJob(JobRecord{ID: id, Attempt: it.Attempt, ResumeStep: it.FromStep, Tag: it.Tag, Submitted: it.At, FittedLimit: it.TimeLimit}, ReasonAdoptedTagged)
			return false
		}
		st.Successor = &JobRecord{ID: id, Cluster: in.Slurm.Cluster, Attempt: it.Attempt, ResumeStep: UnknownStep, Tag: it.Tag,
			Submitted: it.At, Name: in.Spec.JobName}
		d.event(EventJobQueued, FieldJobID, it.After, FieldNewJobID, id, FieldAttempt, it.Attempt, FieldTag, it.Tag,
			FieldReason, ReasonAdoptedTagged)
		return true
	}
	asked := in.Slurm.QueueAsked && in.Slurm.QueueErr == nil && in.Slurm.WindowAsked && in.Slurm.WindowErr == nil
	pending := in.Now.Sub(it.At) < intentGrace || d.transientRowsSince(it.At)
	switch {
	case successor && (!asked || pending):
		d.recheckIn(shortRecheck)
		return true
	case !asked:
		d.unknown()
		return false
	case pending:
		d.wait(PhaseSubmitting, ReasonIntentPending, shortRecheck)
		return false
	}
	// Neither squeue nor sacct knows the tag after the grace period:
	// sbatch created nothing. The attempt is given back.
	d.event(EventResubmitFailed, FieldReason, ReasonIntentVoid, FieldAttempt, it.Attempt, FieldTag, it.Tag, FieldAfter, nonEmpty(it.After))
	st.Intent = nil
	st.Attempts = max(0, st.Attempts-1)
	return true
}

func (d *decider) findTagged(tag string) (string, bool) {
	for _, e := range d.in.Slurm.Queue {
		if e.Comment == tag {
			return e.ID, true
		}
	}
	for _, j := range d.in.Slurm.Window {
		if j.Comment == tag {
			return j.ID, true
		}
	}
	return "", false
}

// transientRowsSince reports sacct rows submitted after t whose name and
// comment are not filled in yet (SLURM-FACTS.md: "allocation", empty
// comment for a few seconds): one of them could be the tagged job.
func (d *decider) transientRowsSince(t time.Time) bool {
	return slices.ContainsFunc(d.in.Slurm.Window, func(j slurm.Job) bool {
		return j.Name == "allocation" && j.Comment == "" && !j.Submit.Before(t.Add(-time.Minute))
	})
}

func (d *decider) adoptJob(j JobRecord, reason string) {
	// Every job adopted here was found in this pass's queue or window,
	// which are those of the view's cluster.
	j.Cluster = d.in.Slurm.Cluster
	if d.next.Job != nil && !d.next.Job.Is(j.ID, j.Cluster) {
		d.next.archive(*d.next.Job)
	}
	j.Name = d.in.Spec.JobName
	d.next.Job = &j
	d.next.FailuresWithoutProgress = min(d.next.FailuresWithoutProgress, d.in.Spec.Policy.MaxFailuresWithoutProgress)
	d.actions = append(d.actions, Adopt{JobID: j.ID, Reason: reason})
	d.event(EventRunAdopted, FieldJobID, j.ID, FieldCluster, nonEmpty(j.Cluster), FieldReason, reason, FieldAttempt, j.Attempt, FieldResumeStep, j.ResumeStep)
	// Look again at once: this pass had no log or sacct row for the job.
	d.wait(PhaseRunning, reason, soon)
}

// archive moves an ended job into the bounded history.
func (s *RunState) archive(j JobRecord) {
	s.History = append(s.History, j)
	if n := len(s.History); n > maxHistory {
		s.History = s.History[n-maxHistory:]
	}
}

// adoptOrStart handles a run with no known job.
func (d *decider) adoptOrStart() {
	in := d.in
	if !in.Slurm.QueueAsked || in.Slurm.QueueErr != nil {
		d.unknown()
		return
	}
	if e, ok := liveQueueEntry(in.Slurm.Queue, ""); ok {
		d.adoptJob(JobRecord{ID: e.ID, ResumeStep: UnknownStep, Adopted: true, Submitted: e.Submit}, ReasonAdoptedLive)
		return
	}
	switch in.Spec.Start {
	case StartSubmit:
		d.submit(ReasonStartSubmit)
	case StartWait:
		d.wait(PhaseWaiting, ReasonNoJob, 0)
	default:
		if !in.Slurm.WindowAsked || in.Slurm.WindowErr != nil {
			d.unknown()
			return
		}
		if j, ok := newestEnded(in.Slurm.Window, in.Spec.JobName); ok {
			d.adoptJob(JobRecord{ID: j.ID, ResumeStep: UnknownStep, Adopted: true, Submitted: j.Submit}, ReasonAdoptedEnded)
			return
		}
		d.wait(PhaseWaiting, ReasonNoJob, 0)
	}
}

func newestEnded(rows []slurm.Job, name string) (slurm.Job, bool) {
	ended := slices.DeleteFunc(slices.Clone(rows), func(j slurm.Job) bool { return j.Name != name || !j.State.Terminal() })
	if len(ended) == 0 {
		return slurm.Job{}, false
	}
	return slices.MaxFunc(ended, func(a, b slurm.Job) int { return a.Submit.Compare(b.Submit) }), true
}

// followJob handles a run whose current job is known.
func (d *decider) followJob() {
	in, job := d.in, d.next.Job
	if job.Handled {
		d.afterEnd()
		return
	}
	row := in.Slurm.Job
	if row != nil {
		d.updateJob(row)
	}
	queued, inQueue := queueEntry(in.Slurm.Queue, job.ID)
	live := inQueue && !queued.State.Terminal()
	d.notePending(queued, inQueue)
	switch {
	case row == nil && live:
		// Not in sacct yet (it lags sbatch and start), but squeue has it.
		d.queueAhead(queued.State)
		d.wait(PhaseRunning, ReasonJobLive, 0)
	case row == nil && in.Now.Sub(job.Submitted) < sacctGrace:
		d.wait(PhaseRunning, ReasonJobNotInSacct, shortRecheck)
	case row == nil:
		if d.next.Reason != ReasonJobMissing {
			d.event(EventJobMissing, FieldJobID, job.ID, FieldReason, ReasonJobMissing)
		}
		d.wait(PhaseRunning, ReasonJobMissing, 0)
	case !row.State.Terminal():
		reason := ReasonJobLive
		if d.checkStall(row) {
			reason = ReasonJobStalled
		}
		if d.checkLastSave(row) {
			reason = ReasonLastSave
		}
		d.checkLogMissing(row)
		d.queueAhead(row.State)
		d.wait(PhaseRunning, reason, d.untilExpectedEnd(row))
	case !in.Slurm.QueueAsked || in.Slurm.QueueErr != nil:
		// The end must be confirmed by squeue (the job may still be
		// COMPLETING, and a twin must be ruled out) before acting.
		d.unknown()
	case live:
		d.wait(PhaseRunning, ReasonJobEnding, shortRecheck)
	case d.held():
		// The end is judged once the checkpoints are back: progress and
		// the step to resume from depend on them.
	default:
		d.handleEnd(row)
	}
}

func queueEntry(q []slurm.QueueEntry, id string) (slurm.QueueEntry, bool) {
	for _, e := range q {
		if e.ID == id {
			return e, true
		}
	}
	return slurm.QueueEntry{}, false
}

func (d *decider) updateJob(row *slurm.Job) {
	job := d.next.Job
	state := row.State.String()
	if requeued(job, row) {
		// Slurm restarts the job itself, with the resume arguments it was
		// submitted with: the newest complete step says what it should
		// resume from instead.
		job.Requeues++
		d.event(EventJobRequeued, FieldJobID, job.ID, FieldCluster, nonEmpty(job.Cluster), FieldPrevState, nonEmpty(job.State),
			FieldState, state, FieldResumeStep, job.ResumeStep, FieldNewestStep, d.next.NewestStep, "requeues", job.Requeues,
			FieldAttempt, job.Attempt)
	}
	if state != job.State {
		d.event(EventJobStateChanged, FieldJobID, job.ID, FieldPrevState, nonEmpty(job.State), FieldState, state,
			FieldExitCode, row.ExitCode.String(), FieldAttempt, job.Attempt)
	}
	job.State = state
	job.ExitCode = row.ExitCode.String()
	job.Start, job.End, job.TimeLimit = row.Start, row.End, row.TimeLimit
	job.SlurmSubmit, job.Elapsed, job.AllocTRES = row.Submit, row.Elapsed, row.AllocTRES
	if row.NodeList != "" {
		// Kept once known: a row of a requeued job has no nodes again.
		job.NodeList = row.NodeList
	}
	if job.Submitted.IsZero() {
		job.Submitted = row.Submit
	}
}

// requeued reports whether the job's sacct row shows that Slurm requeued
// it since the last pass: REQUEUED (seen only for a few seconds), or the
// newest instance PENDING again without a start after the job had started
// (sacct without -D shows only the newest instance; NODE_FAIL and
// PREEMPTED can come first). Each requeue is reported once: the record's
// state moves on with the row.
func requeued(job *JobRecord, row *slurm.Job) bool {
	switch row.State.Name {
	case slurm.StateRequeued:
		return job.State != string(slurm.StateRequeued)
	case slurm.StatePending:
		return row.Start.IsZero() && !job.Start.IsZero() &&
			job.State != string(slurm.StateRequeued) && job.State != string(slurm.StatePending)
	}
	return false
}

// untilExpectedEnd is the delay until a running job's time limit plus
// Slurm's 30 s check, so that a TIMEOUT is seen within seconds without
// polling harder.
func (d *decider) untilExpectedEnd(row *slurm.Job) time.Duration {
	if row.Start.IsZero() || row.TimeLimit <= 0 {
		return 0
	}
	end := row.Start.Add(row.TimeLimit + timeoutTick + 2*time.Second)
	if !end.After(d.in.Now) {
		return shortRecheck
	}
	if delay := end.Sub(d.in.Now); delay < d.pollInterval() {
		return delay
	}
	return 0
}

// notePending records why a pending job waits (squeue's %r) and since
// when, and reports a job that has waited policy.stuck_pending_after for a
// reason that will not clear by itself, once per job: nothing is
// cancelled, but somebody has to act.
func (d *decider) notePending(e slurm.QueueEntry, inQueue bool) {
	in, job := d.in, d.next.Job
	if !in.Slurm.QueueAsked || in.Slurm.QueueErr != nil {
		return // not asked this pass: what was known stands
	}
	reason := ""
	if inQueue && e.State.Name == slurm.StatePending {
		reason = e.Reason
	}
	if reason != job.PendingReason {
		job.PendingReason, job.PendingSince = reason, in.Now
		if reason == "" {
			job.PendingSince = time.Time{}
		}
		d.dirty = true
	}
	after := in.Spec.Policy.StuckPendingAfter
	if reason == "" || after <= 0 || job.StuckReported || !slurm.PendingStuck(reason) {
		return
	}
	waited := in.Now.Sub(job.PendingSince)
	if waited < after {
		d.recheckIn(after - waited)
		return
	}
	job.StuckReported = true
	d.event(EventJobStuckPending, FieldJobID, job.ID, FieldReason, reason, FieldSince, job.PendingSince,
		"pending_for", waited.Round(time.Second).String(), FieldAttempt, job.Attempt)
}

// DefaultStallAfterIntervals is the default of policy.stall_after_intervals:
// a running job whose log and checkpoints have been still for this many save
// intervals is stalled (hung NCCL, a dead filesystem). Two: a training job
// writes its log every few steps, so two intervals of silence is a hang,
// and with on_stall: cancel the resubmission then comes within three
// intervals of the hang (measured: 2.2).
const DefaultStallAfterIntervals = 2

// checkStall reports a running job whose log and checkpoints have been
// still too long (stall.go), once per job, and with on_stall: cancel
// cancels it. It reports whether the job is stalled.
func (d *decider) checkStall(row *slurm.Job) bool {
	st, job := &d.next, d.next.Job
	if row.State.Name != slurm.StateRunning {
		return false
	}
	d.learnQuiet()
	interval := d.saveInterval()
	if interval <= 0 {
		return false
	}
	since := slices.MaxFunc([]time.Time{st.LastSaveAt(), row.Start, d.in.Log.ModTime}, time.Time.Compare)
	if since.IsZero() {
		return false
	}
	after := time.Duration(cmp.Or(d.in.Spec.Policy.StallAfterIntervals, DefaultStallAfterIntervals)) * interval
	if c, ok := RunCadence(*st); ok && len(jobSaves(st.Saves, *job)) == 0 {
		// No save yet in this job: loading and compiling come first.
		after += c.Restart
	}
	rule := "intervals"
	if wait, ok := d.learnedStallWait(); ok && wait < after {
		after, rule = wait, "learned"
	}
	quiet := d.in.Now.Sub(since)
	if quiet < after {
		d.recheckIn(after - quiet)
		return false
	}
	if st.StallReported != job.ID {
		st.StallReported = job.ID
		onStall := "alert"
		if d.in.Spec.CancelOnStall {
			onStall = "cancel"
		}
		d.event(EventRunStalled, FieldJobID, job.ID, FieldNewestStep, st.NewestStep,
			"quiet_for", quiet.Round(time.Second).String(), "expected_every", interval.Round(time.Second).String(),
			FieldSince, since, "on_stall", onStall, "stall_rule", rule, "waited", after.Round(time.Second).String())
	}
	if d.in.Spec.CancelOnStall {
		d.cancelJob(ReasonStallCancel)
		d.recheckIn(shortRecheck)
	}
	return true
}

// logMissingGrace: slurmstepd creates the output file as the batch step
// starts, so a job that has run this long without one writes somewhere the
// daemon does not look, and no metric of it will ever be seen.
const logMissingGrace = 2 * time.Minute

// checkLogMissing reports, once per job, a job that has run for a while
// (still running or ended) with no log file where the daemon looks for it,
// naming the path looked at.
func (d *decider) checkLogMissing(row *slurm.Job) {
	st, job := &d.next, d.next.Job
	if !d.in.Log.Missing || st.LogMissingReported == job.ID || row.Start.IsZero() {
		return
	}
	ran := d.in.Now.Sub(row.Start)
	if row.State.Terminal() {
		ran = row.Elapsed
		if !row.End.IsZero() {
			ran = row.End.Sub(row.Start)
		}
	}
	if ran < logMissingGrace {
		if !row.State.Terminal() {
			d.recheckIn(logMissingGrace - ran)
		}
		return
	}
	st.LogMissingReported = job.ID
	d.event(EventLogMissing, FieldJobID, job.ID, FieldPath, d.in.Log.Path, FieldState, row.State.String(),
		FieldReason, ReasonLogMissing, "ran_for", ran.Round(time.Second).String())
}
