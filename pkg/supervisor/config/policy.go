package config

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// targets decodes the metrics at which a run is done. A run with no target
// is legal (it is supervised until training finishes) but worth a warning:
// it can only end as stopped, never as done.
func (p *parser) targets(run fields) trainer.Targets {
	var t trainer.Targets
	n := run.get("targets")
	if n == nil {
		p.warnf(run.where("targets"), join(run.path, "targets"), "no targets: the run is resubmitted until training finishes and can never be done")
		return t
	}
	f, ok := p.mapping(n, join(run.path, "targets"), []string{"val_bpb", "core_metric"}, nil)
	if !ok {
		return t
	}
	if v := f.get("val_bpb"); v != nil {
		if x, ok := p.number(v, join(f.path, "val_bpb")); ok {
			if x <= 0 {
				p.errorf(v, join(f.path, "val_bpb"), "must be positive (bits per byte), got %v", x)
			} else {
				t.ValBPB = &x
			}
		}
	}
	if v := f.get("core_metric"); v != nil {
		if x, ok := p.number(v, join(f.path, "core_metric")); ok {
			if x < 0 || x > 1 {
				p.errorf(v, join(f.path, "core_metric"), "must be between 0 and 1, got %v", x)
			} else {
				t.CoreMetric = &x
			}
		}
	}
	if f.get("val_bpb") == nil && f.get("core_metric") == nil {
		p.warnf(f.node, f.path, "no targets: the run is resubmitted until training finishes and can never be done")
	}
	return t
}

var policyKeys = []string{"max_attempts", "max_failures_without_progress", "backoff", "max_backoff", "retry_after_progress",
	"stuck_pending_after", "stall_after_intervals",
}

// policy decodes the resubmission policy over the defaults in def. When only
// backoff is given and it exceeds the default cap, the cap rises to it: the
// user asked for that delay and never mentioned a cap.
func (p *parser) policy(run fields, def run.Policy) run.Policy {
	n := run.get("policy")
	if n == nil {
		return def
	}
	f, ok := p.mapping(n, join(run.path, "policy"), policyKeys, nil)
	if !ok {
		return def
	}
	out := def
	p.intAtLeast(f, "max_attempts", &out.MaxAttempts, 1)
	p.intAtLeast(f, "max_failures_without_progress", &out.MaxFailuresWithoutProgress, 1)
	p.intAtLeast(f, "stall_after_intervals", &out.StallAfterIntervals, 1)
	p.durationAtLeast(f, "backoff", &out.Backoff, time.Nanosecond)
	p.durationAtLeast(f, "retry_after_progress", &out.RetryAfterProgress, 0)
	p.durationAtLeast(f, "stuck_pending_after", &out.StuckPendingAfter, 0)
	if f.get("max_backoff") == nil {
		out.MaxBackoff = max(out.MaxBackoff, out.Backoff)
		return out
	}
	if p.durationAtLeast(f, "max_backoff", &out.MaxBackoff, time.Nanosecond) && out.MaxBackoff < out.Backoff {
		p.errorf(f.get("max_backoff"), join(f.path, "max_backoff"), "must be at least backoff (%v), got %v", out.Backoff, out.MaxBackoff)
	}
	return out
}
