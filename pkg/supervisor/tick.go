package supervisor

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"go.uber.org/zap"
)

// PassResult is what one pass did.
type PassResult struct {
	// Plans holds each supervised run's plan, by run name.
	Plans map[string]run.Plan
	// Errors holds the runs whose pass failed; the other runs went on.
	Errors map[string]error
	// RecheckAfter is the soonest recheck any run asked for (0: none, wait
	// for the poll interval).
	RecheckAfter time.Duration
}

// Tick runs one reconcile pass over every configured run.
func (s *Supervisor) Tick(ctx context.Context) PassResult {
	s.pass.Lock()
	defer s.pass.Unlock()
	now := s.Now()
	defer s.watchPass()()
	s.mu.Lock()
	s.inPass = true // commits leave the snapshot to endPass
	wait := s.missing.next.Sub(now)
	missing := !s.missing.since.IsZero()
	s.mu.Unlock()
	defer s.endPass(now)
	s.applyRequests(now)
	if missing && wait > 0 {
		// The Slurm programs were missing when last looked for. Nothing can
		// be decided without them, and looking for them on every pass would
		// only repeat the same message.
		return PassResult{Plans: map[string]run.Plan{}, Errors: map[string]error{}, RecheckAfter: wait}
	}

	s.mu.Lock()
	names := slices.Sorted(maps.Keys(s.runs))
	runs := make([]runConfig, len(names))
	states := make(map[string]run.RunState, len(names))
	for i, name := range names {
		runs[i] = s.runs[name]
		st, ok := s.states[name]
		if !ok {
			st = run.NewRunState(name)
		}
		states[name] = st
	}
	// The whole pass uses one client: Reload may swap it meanwhile.
	api := s.Slurm
	s.mu.Unlock()

	snap := s.observeSlurm(ctx, api, now, runs, states)
	s.noteSlurmHealth(now, snap)

	res := PassResult{Plans: map[string]run.Plan{}, Errors: map[string]error{}}
	for _, rc := range runs {
		plan, err := s.passRun(ctx, api, now, rc, states[rc.spec.Name], snap)
		if err != nil {
			res.Errors[rc.spec.Name] = err
			s.Logger.Error(run.EventRunError, zap.String(run.FieldRun, rc.spec.Name), zap.String(run.FieldError, err.Error()))
			continue
		}
		res.Plans[rc.spec.Name] = plan
		if r := plan.RecheckAfter; r > 0 && (res.RecheckAfter == 0 || r < res.RecheckAfter) {
			res.RecheckAfter = r
		}
	}
	if len(res.Errors) > 0 && (res.RecheckAfter == 0 || res.RecheckAfter > 30*time.Second) {
		res.RecheckAfter = 30 * time.Second
	}
	return res
}

// passRun decides and applies for one run. A panic is caught here: one
// run's trouble never stops the others.
func (s *Supervisor) passRun(ctx context.Context, api SlurmAPI, now time.Time, rc runConfig, st run.RunState, snap slurmSnapshot) (plan run.Plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("run %s: panic: %v\n%s", rc.spec.Name, r, debug.Stack())
		}
	}()
	in := run.Input{
		Now: now, Spec: rc.spec, State: st, Slurm: snap.view(rc, st),
		UID: s.UID, Nonce: fmt.Sprintf("%08x", s.Rand.Uint32()), Rand: s.Rand.Float64(),
	}
	// A done or stopped run whose last job still runs is observed too: the
	// job keeps saving checkpoints and status should show them.
	following := st.Job != nil && !st.Job.Handled
	if !rc.paused(st) && (!st.Phase.Terminal() || following) {
		settle := ckpt.Settle
		if snap.jobGone(st.Job) {
			settle = 0
		}
		in.Ckpt = s.withQuota(ctx, now, rc, s.observeCkpt(rc, now, settle))
		in.Log = s.observeLog(rc, st)
	} else {
		in.Ckpt = run.CkptView{Newest: st.NewestStep}
	}
	plan = run.Decide(in)
	if v := in.Slurm; v.SacctErr == nil && v.QueueErr == nil && v.WindowErr == nil {
		s.observed[rc.spec.Name] = now
	}
	if _, submits := plan.Submission(); submits && !s.DryRun && !s.leaseProven(rc.spec.Name) {
		// Nothing is recorded and nothing submitted: the next pass decides afresh.
		return run.Plan{Next: st, Actions: []run.Action{run.Wait{Until: now.Add(leaseRetry), Reason: run.ReasonLeaseUnproven}}, RecheckAfter: leaseRetry}, nil
	}
	next, err := s.apply(ctx, api, rc, plan, now)
	plan.Next = next
	return plan, err
}

// watchPass starts watching a pass; the returned function ends the watch.
// A pass that runs past its budget is the first sign of a filesystem or
// Slurm going bad, and one that never ends would be invisible while the
// lease heartbeat keeps the daemon looking alive: it says so while still
// running, and again when it ends. Wall-clock time is used, not the
// injected clock: what matters is how long the daemon really spent.
func (s *Supervisor) watchPass() (end func()) {
	// The budget: a few Slurm commands, each bounded by command_timeout,
	// plus reading checkpoints and logs (overrunAfter: tests).
	s.mu.Lock()
	budget := cmp.Or(s.overrunAfter, time.Minute+2*logReadTimeout+4*s.Options.Config.Slurm.CommandTimeout)
	s.mu.Unlock()
	start := time.Now()
	overrun := func(state, took string) {
		s.emitAndJournal(s.Now(), run.Event{Name: run.EventPassOverrun, Fields: map[string]any{
			run.FieldState: state, took: time.Since(start).Round(time.Millisecond).String(), "budget": budget.String()}})
	}
	var overran atomic.Bool
	t := time.AfterFunc(budget, func() {
		overran.Store(true)
		overrun("running", "running_for")
	})
	return func() {
		if !t.Stop() && overran.Load() {
			overrun("ended", "duration")
		}
	}
}
