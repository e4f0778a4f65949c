package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// apply makes a plan real: it records the plan (events and new state)
// durably, and only then runs sbatch for a Submit, recording the outcome
// again afterwards. It returns the state now in force for the run.
func (s *Supervisor) apply(ctx context.Context, api SlurmAPI, rc runConfig, plan Plan, now time.Time) (RunState, error) {
	next := plan.Next
	if s.dryRun {
		for _, e := range plan.Events {
			s.emit(e)
		}
		return next, nil
	}
	if err := s.commit(now, next, plan.Events); err != nil {
		return plan.Next, fmt.Errorf("run %s: record decision: %w (nothing submitted)", rc.spec.Name, err)
	}
	s.applyCancels(ctx, api, rc, plan, now)
	sub, ok := plan.Submission()
	if !ok {
		return next, nil
	}
	if sub.PruneFirst {
		// The last job died of a full disk or quota: make room first, by
		// the run's own policy, and say so.
		res, err := s.prune(rc.spec.Name, false)
		switch {
		case errors.Is(err, ErrNoPrunePolicy):
			s.emitAndJournal(now, newEvent(EventStorageLow, rc.spec.Name, FieldReason, "disk_quota_hint_no_prune_policy"))
		case err != nil:
			s.emitAndJournal(now, newEvent(EventRunError, rc.spec.Name, FieldReason, "prune_before_resubmit", FieldError, err.Error()))
		default:
			s.emitAndJournal(now, newEvent(EventStorageLow, rc.spec.Name, FieldReason, "pruned_before_resubmit", FieldBytes, res.Freed))
		}
	}
	if err := s.proveLease(); err != nil {
		// Recording the intent (or pruning) took so long that the lease no
		// longer reaches past sbatch's timeout. The journaled intent stays:
		// sbatch never ran, so its grace ends it like any intent whose job
		// never appears, here or in an instance that took over.
		s.logUnproven(rc.spec.Name, err)
		return next, nil
	}
	req := submitRequest(rc, sub)
	if s.stripJobEnv {
		req.DropEnv = slurm.JobEnv
	}
	job, err := api.Submit(ctx, req)
	var events []Event
	next, events = afterSbatch(next, rc, sub, job, err, now, s.random())
	if cerr := s.commit(now, next, events); cerr != nil {
		return next, fmt.Errorf("run %s: record submission of job %s: %w", rc.spec.Name, job, cerr)
	}
	return next, nil
}

// applyCancels runs scancel for the plan's Cancel actions. A failure is
// logged; the decision stands, and the next pass sends scancel again
// after cancelRetry if the job is still live.
func (s *Supervisor) applyCancels(ctx context.Context, api SlurmAPI, rc runConfig, plan Plan, now time.Time) {
	for _, a := range plan.Actions {
		c, ok := a.(Cancel)
		if !ok {
			continue
		}
		// scancel is an action on the run like sbatch: an instance that
		// cannot prove its lease may have been replaced already.
		if err := s.proveLease(); err != nil {
			s.logUnproven(rc.spec.Name, err)
			return
		}
		if err := api.ScancelOn(ctx, slurm.JobRef{ID: c.JobID, Cluster: c.Cluster}); err != nil {
			s.emitAndJournal(now, newEvent(EventRunError, rc.spec.Name, FieldJobID, c.JobID, FieldReason, c.Reason, FieldError, err.Error()))
		}
	}
}

// submitRequest is the sbatch call for a submission: the run's cluster
// (-M), --no-requeue unless the run lets Slurm requeue, the user's flags,
// the job name when configured, the tag, then the user's script and its
// resume arguments, from the run's workdir with the run's environment.
//
// --no-requeue comes before the user's flags so that a --requeue among
// them still wins (sbatch takes the last). A job Slurm requeues restarts
// with the resume step it was submitted with, which is stale by then.
func submitRequest(rc runConfig, sub Submit) slurm.SubmitRequest {
	var flags []string
	if !rc.Requeue {
		flags = append(flags, "--no-requeue")
	}
	flags = append(flags, rc.SbatchArgs...)
	if rc.JobName != "" {
		flags = append(flags, "--job-name="+rc.JobName)
	}
	if sub.TimeLimit > 0 {
		// After the user's flags: sbatch takes the last --time given.
		flags = append(flags, timeFlag(sub.TimeLimit))
	}
	if sub.Exclude != "" {
		flags = append(flags, excludeFlag(sub.Exclude, rc.SbatchArgs))
	}
	flags = append(flags, "--comment="+sub.Tag)
	if sub.After != "" {
		// A queued successor: its step is the script's to ask
		// (resume-step) when it starts, so it gets no resume arguments.
		flags = append(flags, "--dependency=afterany:"+sub.After)
	}
	args := trainer.FreshArgs(rc.ResumeArgs)
	if sub.FromStep >= 0 && sub.After == "" {
		args = trainer.ResumeArgs(rc.ResumeArgs, sub.FromStep)
	}
	env := make([]string, 0, len(rc.Env))
	for k, v := range rc.Env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	req := slurm.SubmitRequest{Script: rc.Script, ScriptArgs: args, Flags: flags, Dir: rc.Workdir, Env: env}
	if trainer.FlagsCluster(rc.SbatchArgs) == "" {
		// A -M among the user's flags already says it (the same cluster:
		// the config refuses a different one).
		req.Cluster = rc.spec.Cluster
	}
	return req
}

// afterSbatch folds sbatch's answer into the state. A job id ends the
// intent. An error after which the job may exist keeps the intent, to be
// resolved by looking for the tag; any other error gives the attempt back
// and backs off.
func afterSbatch(st RunState, rc runConfig, sub Submit, job slurm.JobRef, err error, now time.Time, r float64) (RunState, []Event) {
	if sub.After != "" {
		return afterSuccessorSbatch(st, rc, sub, job, err, now, r)
	}
	name := rc.spec.Name
	prev := ""
	if st.Job != nil {
		prev = st.Job.ID
	}
	switch {
	case err == nil:
		if st.Job != nil {
			st.History = append(st.History, *st.Job)
			if n := len(st.History); n > maxHistory {
				st.History = st.History[n-maxHistory:]
			}
		}
		st.Job = &JobRecord{ID: job.ID, Cluster: job.Cluster, Attempt: sub.Attempt, ResumeStep: sub.FromStep, Tag: sub.Tag, Submitted: now, Name: rc.spec.JobName,
			FittedLimit: sub.TimeLimit}
		st.Intent = nil
		st.SubmitFailures = 0
		st.Rejections, st.Rejection = 0, ""
		st.Phase = PhaseRunning
		st.Updated = now
		var hints any
		if n := len(st.History); prev != "" && n > 0 && len(st.History[n-1].Hints) > 0 {
			hints = st.History[n-1].Hints
		}
		return st, []Event{newEvent(EventJobResubmitted, name, FieldJobID, nonEmpty(prev), FieldNewJobID, job.ID, FieldCluster, nonEmpty(job.Cluster),
			FieldAttempt, sub.Attempt, FieldResumeStep, sub.FromStep, FieldReason, st.Reason, FieldHints, hints,
			FieldTimeLimit, fittedField(sub.TimeLimit), FieldExclude, nonEmpty(sub.Exclude))}
	case sub.Exclude != "" && slurm.NodesUnavailable(err):
		// The bad nodes were all the nodes there are (a one-node
		// partition): a job excluding them could never start. Forget them
		// and submit again at once, without --exclude.
		st.Intent = nil
		st.Attempts = max(0, st.Attempts-1)
		st.BadNodes = nil
		st.BackoffUntil = now
		st.Phase, st.Reason = PhaseBackoff, ReasonExcludeUnsatisfiable
		st.Updated = now
		if st.Job != nil {
			st.Job.Handled = true
		}
		return st, []Event{newEvent(EventResubmitFailed, name, FieldJobID, nonEmpty(prev), FieldAttempt, sub.Attempt,
			FieldReason, ReasonExcludeUnsatisfiable, FieldExclude, sub.Exclude, FieldError, err.Error())}
	case slurm.SubmitMayHaveCreatedJob(err):
		st.Reason = ReasonSbatchAmbiguous
		st.Updated = now
		return st, []Event{newEvent(EventResubmitFailed, name, FieldJobID, nonEmpty(prev), FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchAmbiguous, FieldError, err.Error(), FieldTag, sub.Tag)}
	default:
		delay := giveBack(&st, rc, now, r)
		st.Phase, st.Reason = PhaseBackoff, ReasonSbatchFailed
		st.Updated = now
		if st.Job != nil {
			// The ended job stays the current one; its end is handled.
			st.Job.Handled = true
		}
		events := []Event{newEvent(EventResubmitFailed, name, FieldJobID, nonEmpty(prev), FieldAttempt, sub.Attempt,
			FieldReason, ReasonSbatchFailed, FieldError, err.Error(), FieldDelay, delay.String(), FieldUntil, st.BackoffUntil)}
		return noteRejection(st, name, err, events)
	}
}

// maxRejections is how many identical permanent refusals by sbatch in a
// row stop a run. One could be a passing misconfiguration of the site
// (a partition being renamed); three with the same words will not go away
// by themselves, and retrying for ever only fills the log.
const maxRejections = 3

// noteRejection counts sbatch's permanent refusals with the same words
// (Invalid account, partition or QOS, an unreadable script, a job that
// violates limits) and stops the run at maxRejections, with Slurm's words
// as evidence: the user must fix the configuration or the script, then
// resume the run. Transient failures keep backing off and leave the count
// alone.
func noteRejection(st RunState, name string, err error, events []Event) (RunState, []Event) {
	evidence, ok := slurm.Rejection(err)
	if !ok {
		return st, events
	}
	if evidence == st.Rejection {
		st.Rejections++
	} else {
		st.Rejections, st.Rejection = 1, evidence
	}
	if st.Rejections < maxRejections {
		return st, events
	}
	st.Phase, st.Reason = PhaseStopped, ReasonSbatchRejected
	st.BackoffUntil = time.Time{}
	return st, append(events,
		newEvent(EventSbatchRejected, name, FieldReason, ReasonSbatchRejected, FieldError, evidence, "times", st.Rejections),
		newEvent(EventRunStopped, name, FieldReason, ReasonSbatchRejected, FieldError, evidence))
}

// fittedField is a fitted time limit for an event, nil (left out) when the
// job keeps its own.
func fittedField(d time.Duration) any {
	if d <= 0 {
		return nil
	}
	return d.String()
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// commit stores the run's new state and journals the events, then logs
// them. The journal gets the full state with the last event so that state
// can be rebuilt from the journal alone. Within a pass the snapshot is
// written once, at its end (snapshot.go).
func (s *Supervisor) commit(now time.Time, next RunState, events []Event) error {
	s.mu.Lock()
	prev, had := s.states[next.Name]
	stateChanged := !had || prev.Updated != next.Updated || prev.Phase != next.Phase
	journaled := s.ledger != nil && (len(events) > 0 || stateChanged)
	if journaled {
		s.seq++
		next.Seq = s.seq
	} else {
		next.Seq = prev.Seq // next may come from a copy taken before prev was committed
	}
	s.states[next.Name] = next
	s.mu.Unlock()
	if s.ledger == nil {
		s.emitAll(events)
		return nil
	}
	if journaled {
		raw, err := json.Marshal(next)
		if err != nil {
			return err
		}
		recs := make([]ledger.Record, 0, len(events)+1)
		for _, e := range events {
			recs = append(recs, ledger.Record{Time: now, Run: next.Name, Event: e.Name, Fields: e.Fields})
		}
		if len(recs) == 0 {
			recs = append(recs, ledger.Record{Time: now, Run: next.Name, Event: "state"})
		}
		recs[len(recs)-1].State = raw
		if err := s.ledger.Append(recs...); err != nil {
			s.restoreState(next.Name, prev, had)
			return err
		}
		// Within a pass the journal record, fsynced, is enough until the
		// pass's end writes the snapshot (snapshot.go).
		if s.snapshotNow() {
			if err := s.saveSnapshot(now); err != nil {
				s.restoreState(next.Name, prev, had)
				return err
			}
		}
	}
	s.emitAll(events)
	return nil
}

func (s *Supervisor) restoreState(name string, prev RunState, had bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if had {
		s.states[name] = prev
	} else {
		delete(s.states, name)
	}
}

// journal appends a record that belongs to no run (Slurm health). Errors
// are logged: losing such a record loses no decision.
func (s *Supervisor) journal(now time.Time, e Event, state json.RawMessage) {
	if s.ledger == nil || s.dryRun {
		return
	}
	if err := s.ledger.Append(ledger.Record{Time: now, Event: e.Name, Fields: e.Fields, State: state}); err != nil {
		s.log.Error(EventRunError, zap.String(FieldError, err.Error()))
	}
}

func (s *Supervisor) emitAll(events []Event) {
	for _, e := range events {
		s.emit(e)
	}
}

// emit logs one event: the message is the event name, the fields its
// evidence, in a stable order.
func (s *Supervisor) emit(e Event) {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fields := make([]zap.Field, 0, len(keys))
	for _, k := range keys {
		fields = append(fields, zap.Any(k, e.Fields[k]))
	}
	if ce := s.log.Check(eventLevel(e), e.Name); ce != nil {
		ce.Write(fields...)
	}
	if s.onEv != nil {
		run, _ := e.Fields[FieldRun].(string)
		s.onEv(run, e)
	}
}

func eventLevel(e Event) zapcore.Level {
	switch e.Name {
	case EventSlurmUnavailable:
		if e.Fields[FieldState] == "up" {
			return zapcore.InfoLevel
		}
		return zapcore.WarnLevel
	case EventResubmitFailed, EventJobMissing, EventCheckpointIncomplete, EventRunError, EventSlurmRowSkipped, EventJobStuckPending, EventJobRequeued,
		EventLogMissing, EventLogUnreadable, EventPassOverrun, EventConfigWarning:
		return zapcore.WarnLevel
	case EventSlurmMissing:
		if e.Fields[FieldState] == "found" {
			return zapcore.InfoLevel
		}
		return zapcore.ErrorLevel
	case EventSbatchRejected:
		return zapcore.ErrorLevel
	case EventRunStopped:
		if r, _ := e.Fields[FieldReason].(string); r == ReasonCancelledByUser || r == ReasonCompletedBelowTarget || r == ReasonTargetsRaised {
			return zapcore.InfoLevel
		}
		return zapcore.WarnLevel
	}
	return zapcore.InfoLevel
}

// SubmitRequestFor is the sbatch call the daemon makes for run r resuming
// from step (NoStep: a fresh start) with the given tag; resume --dry-run
// shows it.
func SubmitRequestFor(r *config.Run, step int, tag string) slurm.SubmitRequest {
	rc := runConfig{Run: r}
	// An unreadable script leaves the cluster to sbatch, which will
	// report the script itself.
	script, _ := os.ReadFile(r.Script)
	_, rc.spec.Cluster, _ = fromScript(r, script)
	return submitRequest(rc, Submit{FromStep: step, Tag: tag})
}
