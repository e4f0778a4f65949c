package supervisor

import (
	"math"
	"time"
)

// failureClass is how the end of a job is judged.
type failureClass int

const (
	// classProgressTimeout: TIMEOUT after a new checkpoint. Normal life of a
	// run longer than the job limit: resubmit at once.
	classProgressTimeout failureClass = iota
	// classApp: the training code failed (FAILED, OUT_OF_MEMORY, TIMEOUT
	// without progress, COMPLETED with training unfinished). Counted
	// towards the crash-loop guard when it made no progress.
	classApp
	// classInfra: NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE: not the code's
	// fault. Backed off, never counted towards the crash-loop guard.
	classInfra
)

// backoffDelay is base·2^(n-1), jittered by ±20 % with r in [0,1), and
// capped at max. n < 1 is treated as 1.
func backoffDelay(base, max time.Duration, n int, r float64) time.Duration {
	if base <= 0 {
		return 0
	}
	if n < 1 {
		n = 1
	}
	d := float64(base) * math.Pow(2, float64(min(n-1, 40)))
	d *= 0.8 + 0.4*r
	if max > 0 && d > float64(max) {
		return max
	}
	return time.Duration(d)
}
