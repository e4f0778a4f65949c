package supervisor

import (
	"time"

	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

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

// proveLease asks the fence whether this instance still holds the lease
// for as long as an sbatch may take from now. A daemon whose renewals fail
// may already have been replaced by another instance on another login node;
// acting then would make two actors for one run.
func (s *Supervisor) proveLease() error {
	if s.fence == nil {
		return nil
	}
	return s.fence(s.now().Add(LeaseMargin(s.Config())))
}

// fenced is the plan of a run whose submission the fence held back: nothing
// is recorded and nothing submitted, so the next pass decides afresh.
func (s *Supervisor) fenced(now time.Time, st run.RunState, err error) run.Plan {
	s.logUnproven(st.Name, err)
	return run.Plan{Next: st, Actions: []run.Action{run.Wait{Until: now.Add(leaseRetry), Reason: run.ReasonLeaseUnproven}}, RecheckAfter: leaseRetry}
}

// logUnproven says why a run's submission was held back. It is only
// logged, never journaled: an instance that cannot prove its lease must
// not write to a ledger another instance may own by now.
func (s *Supervisor) logUnproven(runName string, err error) {
	s.log.Warn(run.EventLeaseUnproven, zap.String(run.FieldRun, runName), zap.String(run.FieldError, err.Error()),
		zap.Duration(run.FieldDelay, leaseRetry))
}
