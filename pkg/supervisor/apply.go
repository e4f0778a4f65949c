package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// apply makes a plan real: it records the plan (events and new state)
// durably, and only then runs sbatch for a Submit, recording the outcome
// again afterwards. It returns the state now in force for the run.
func (s *Supervisor) apply(ctx context.Context, api SlurmAPI, rc runConfig, plan run.Plan, now time.Time) (run.RunState, error) {
	next := plan.Next
	if s.DryRun {
		s.emitAll(plan.Events)
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
			s.emitAndJournal(now, run.NewEvent(run.EventStorageLow, rc.spec.Name, run.FieldReason, "disk_quota_hint_no_prune_policy"))
		case err != nil:
			s.emitAndJournal(now, run.NewEvent(run.EventRunError, rc.spec.Name, run.FieldReason, "prune_before_resubmit", run.FieldError, err.Error()))
		default:
			s.emitAndJournal(now, run.NewEvent(run.EventStorageLow, rc.spec.Name, run.FieldReason, "pruned_before_resubmit", run.FieldBytes, res.Freed))
		}
	}
	if !s.leaseProven(rc.spec.Name) {
		// Recording the intent (or pruning) took so long that the lease no
		// longer reaches past sbatch's timeout. The journaled intent stays:
		// sbatch never ran, so its grace ends it like any intent whose job
		// never appears, here or in an instance that took over.
		return next, nil
	}
	req := submitRequest(rc, sub)
	if s.StripJobEnv {
		req.DropEnv = slurm.JobEnv
	}
	job, err := api.Submit(ctx, req)
	var events []run.Event
	next, events = run.AfterSbatch(next, rc.spec, sub, job, err, now, s.Rand.Float64())
	if cerr := s.commit(now, next, events); cerr != nil {
		return next, fmt.Errorf("run %s: record submission of job %s: %w", rc.spec.Name, job, cerr)
	}
	return next, nil
}

// applyCancels runs scancel for the plan's Cancel actions. A failure is
// logged; the decision stands, and the next pass sends scancel again
// after cancelRetry if the job is still live.
func (s *Supervisor) applyCancels(ctx context.Context, api SlurmAPI, rc runConfig, plan run.Plan, now time.Time) {
	for _, a := range plan.Actions {
		c, ok := a.(run.Cancel)
		if !ok {
			continue
		}
		// scancel is an action on the run like sbatch: an instance that
		// cannot prove its lease may have been replaced already.
		if !s.leaseProven(rc.spec.Name) {
			return
		}
		if err := api.ScancelOn(ctx, slurm.JobRef{ID: c.JobID, Cluster: c.Cluster}); err != nil {
			s.emitAndJournal(now, run.NewEvent(run.EventRunError, rc.spec.Name, run.FieldJobID, c.JobID, run.FieldReason, c.Reason, run.FieldError, err.Error()))
		}
	}
}

// submitRequest is the sbatch call for a submission. --no-requeue comes
// before the user's flags so that a --requeue among them still wins (sbatch
// takes the last): a job Slurm requeues restarts with the resume step it
// was submitted with, which is stale by then.
func submitRequest(rc runConfig, sub run.Submit) slurm.SubmitRequest {
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
		flags = append(flags, run.TimeFlag(sub.TimeLimit))
	}
	if sub.Exclude != "" {
		flags = append(flags, run.ExcludeFlag(sub.Exclude, rc.SbatchArgs))
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
	for _, k := range slices.Sorted(maps.Keys(rc.Env)) {
		env = append(env, k+"="+rc.Env[k])
	}
	req := slurm.SubmitRequest{Script: rc.Script, ScriptArgs: args, Flags: flags, Dir: rc.Workdir, Env: env}
	if trainer.FlagsCluster(rc.SbatchArgs) == "" {
		// A -M among the user's flags already says it (the same cluster:
		// the config refuses a different one).
		req.Cluster = rc.spec.Cluster
	}
	return req
}

// commit stores the run's new state, journals it with the events (the
// full state, so that state can be rebuilt from the journal alone), then
// logs them.
func (s *Supervisor) commit(now time.Time, next run.RunState, events []run.Event) error {
	s.mu.Lock()
	prev, had := s.states[next.Name]
	stateChanged := !had || prev.Updated != next.Updated || prev.Phase != next.Phase
	journaled := s.Ledger != nil && (len(events) > 0 || stateChanged)
	if journaled {
		s.seq++
		next.Seq = s.seq
	} else {
		next.Seq = prev.Seq // next may come from a copy taken before prev was committed
	}
	s.states[next.Name] = next
	s.mu.Unlock()
	if journaled {
		if err := s.journalState(now, next, events); err != nil {
			s.mu.Lock()
			if had {
				s.states[next.Name] = prev
			} else {
				delete(s.states, next.Name)
			}
			s.mu.Unlock()
			return err
		}
	}
	s.emitAll(events)
	return nil
}

// journalState appends the events, the state with the last, fsynced:
// enough within a pass until its end writes the snapshot (snapshot.go);
// outside a pass the snapshot is written now.
func (s *Supervisor) journalState(now time.Time, next run.RunState, events []run.Event) error {
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
	if err := s.Ledger.Append(recs...); err != nil || !s.snapshotNow() {
		return err
	}
	return s.saveSnapshot(now)
}

// emitAndJournal logs an event and journals it without a state (Slurm
// health, prunes, errors). Errors are logged: losing such a record loses
// no decision.
func (s *Supervisor) emitAndJournal(now time.Time, e run.Event) {
	if s.Ledger != nil && !s.DryRun {
		if err := s.Ledger.Append(ledger.Record{Time: now, Event: e.Name, Fields: e.Fields}); err != nil {
			s.Logger.Error(run.EventRunError, zap.String(run.FieldError, err.Error()))
		}
	}
	s.emit(e)
}

func (s *Supervisor) emitAll(events []run.Event) {
	for _, e := range events {
		s.emit(e)
	}
}

// emit logs one event: the message is the event name, the fields its
// evidence, in a stable order.
func (s *Supervisor) emit(e run.Event) {
	fields := make([]zap.Field, 0, len(e.Fields))
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fields = append(fields, zap.Any(k, e.Fields[k]))
	}
	if ce := s.Logger.Check(eventLevel(e), e.Name); ce != nil {
		ce.Write(fields...)
	}
	if s.OnEvent != nil {
		run, _ := e.Fields[run.FieldRun].(string)
		s.OnEvent(run, e)
	}
}

func eventLevel(e run.Event) zapcore.Level {
	switch e.Name {
	case run.EventSlurmUnavailable:
		if e.Fields[run.FieldState] == "up" {
			return zapcore.InfoLevel
		}
		return zapcore.WarnLevel
	case run.EventResubmitFailed, run.EventJobMissing, run.EventCheckpointIncomplete, run.EventRunError, run.EventSlurmRowSkipped, run.EventJobStuckPending, run.EventJobRequeued,
		run.EventLogMissing, run.EventLogUnreadable, run.EventPassOverrun, run.EventConfigWarning:
		return zapcore.WarnLevel
	case run.EventSlurmMissing:
		if e.Fields[run.FieldState] == "found" {
			return zapcore.InfoLevel
		}
		return zapcore.ErrorLevel
	case run.EventSbatchRejected:
		return zapcore.ErrorLevel
	case run.EventRunStopped:
		if r, _ := e.Fields[run.FieldReason].(string); r == run.ReasonCancelledByUser || r == run.ReasonCompletedBelowTarget || r == run.ReasonTargetsRaised {
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
	return submitRequest(rc, run.Submit{FromStep: step, Tag: tag})
}

// leaseSlack is what the lease must cover beyond sbatch's own timeout:
// recording the intent first (an fsync on a network filesystem) and the
// clock skew between login nodes that judge the lease.
const leaseSlack = 15 * time.Second

// leaseRetry is how soon a submission held back by the fence is tried
// again: a renewal that failed once (an NFS hiccup) usually works the next
// time.
const leaseRetry = 15 * time.Second

// LeaseMargin is how long the state directory's lease must stay valid when
// the daemon decides to run sbatch: long enough for sbatch to return or
// time out. The lease's TTL must exceed it, or the daemon could never act.
func LeaseMargin(cfg *config.Config) time.Duration {
	return cfg.Slurm.CommandTimeout + leaseSlack
}

// leaseProven asks the fence whether this instance still holds the lease
// for as long as an sbatch may take from now, and logs why not for the
// run's action held back. A daemon whose renewals fail may already have
// been replaced by another instance on another login node; acting then
// would make two actors for one run. It only logs, never journals: such an
// instance must not write to a ledger another instance may own by now.
func (s *Supervisor) leaseProven(runName string) bool {
	if s.Fence == nil {
		return true
	}
	err := s.Fence(s.Now().Add(LeaseMargin(s.Config())))
	if err != nil {
		s.Logger.Warn(run.EventLeaseUnproven, zap.String(run.FieldRun, runName), zap.String(run.FieldError, err.Error()),
			zap.Duration(run.FieldDelay, leaseRetry))
	}
	return err == nil
}
