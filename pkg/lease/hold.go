package lease

import (
	"fmt"
	"time"
)

// HoldUntil proves that the lease stays this process's at least until
// until, renewing it first when the last heartbeat does not reach that far.
// A caller about to act (sbatch) passes now plus the longest the act may
// take: an error means it cannot prove that nobody else may take over
// meanwhile, and must not act. The errors are a lost or released lease, a
// failed renewal (the lease may be expiring while the caller still runs),
// and a TTL too short to reach until even from a fresh heartbeat.
func (l *Lease) HoldUntil(until time.Time) error {
	l.mu.Lock()
	held := !l.lost && !l.released && !l.expiresLocked().Before(until)
	l.mu.Unlock()
	if held {
		return nil
	}
	if err := l.Renew(); err != nil {
		return err
	}
	if exp := l.Expires(); exp.Before(until) {
		return fmt.Errorf("lease: renewed, but it expires at %s, before %s: its TTL %s is too short",
			exp.Format(time.RFC3339), until.Format(time.RFC3339), l.opt.TTL)
	}
	return nil
}
