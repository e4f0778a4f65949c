package supervisor

import (
	"context"
	"time"
)

// minGap keeps passes at least this far apart, however many wake-ups
// arrive: a burst of file events must not turn into a burst of sacct calls.
const minGap = time.Second

// Loop runs passes until ctx is done. After each pass it sleeps until the
// poll interval has passed, a plan's recheck is due, or something arrives
// on wake (config edits, checkpoint or log activity, SIGHUP). Wake-ups
// carry no data: every pass decides from scratch. afterPass, if not nil,
// is called after every pass (the systemd watchdog and status hook).
func (s *Supervisor) Loop(ctx context.Context, wake <-chan struct{}, afterPass func(PassResult)) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
			// Coalesce: wait out the minimum gap, then run one pass for
			// every wake-up received meanwhile.
			if gap := minGap - time.Since(last); gap > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(gap):
				}
			}
			drain(wake)
		}
		res := s.Tick(ctx)
		last = time.Now()
		if afterPass != nil {
			afterPass(res)
		}
		d := s.Config().PollInterval
		if r := res.RecheckAfter; r > 0 && r < d {
			d = r
		}
		timer.Reset(max(d, minGap))
	}
}

func drain(c <-chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
