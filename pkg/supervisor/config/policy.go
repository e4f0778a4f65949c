package config

import (
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

var policyKeys = []string{"max_attempts", "max_failures_without_progress", "backoff", "max_backoff", "retry_after_progress",
	"stuck_pending_after", "stall_after_intervals",
}

// targets decodes the metrics at which a run is done. A run with no target
// is legal (it is supervised until training finishes) but worth a warning:
// it can only end as stopped, never as done.
func (p *parser) targets(run fields) (t trainer.Targets) {
	const none = "no targets: the run is resubmitted until training finishes and can never be done"
	if run.get("targets") == nil {
		p.warnf(run.where("targets"), join(run.path, "targets"), none)
		return t
	}
	f, ok := run.section("targets", []string{"val_bpb", "core_metric"})
	if !ok {
		return t
	}
	var bpb, core float64
	if v := field(f, "val_bpb", &bpb, p.number); v != nil && bpb <= 0 {
		p.errorf(v, join(f.path, "val_bpb"), "must be positive (bits per byte), got %v", bpb)
	} else if v != nil {
		t.ValBPB = &bpb
	}
	if v := field(f, "core_metric", &core, p.number); v != nil && (core < 0 || core > 1) {
		p.errorf(v, join(f.path, "core_metric"), "must be between 0 and 1, got %v", core)
	} else if v != nil {
		t.CoreMetric = &core
	}
	if f.get("val_bpb") == nil && f.get("core_metric") == nil {
		p.warnf(f.node, f.path, none)
	}
	return t
}

// policy decodes the resubmission policy over the defaults in out. When only
// backoff is given and it exceeds the default cap, the cap rises to it: the
// user asked for that delay and never mentioned a cap.
func (p *parser) policy(run fields, out *run.Policy) {
	f, ok := run.section("policy", policyKeys)
	if !ok {
		return
	}
	atLeast(f, "max_attempts", &out.MaxAttempts, 1, p.integer)
	atLeast(f, "max_failures_without_progress", &out.MaxFailuresWithoutProgress, 1, p.integer)
	atLeast(f, "stall_after_intervals", &out.StallAfterIntervals, 1, p.integer)
	atLeast(f, "backoff", &out.Backoff, time.Nanosecond, p.duration)
	atLeast(f, "retry_after_progress", &out.RetryAfterProgress, 0, p.duration)
	atLeast(f, "stuck_pending_after", &out.StuckPendingAfter, 0, p.duration)
	if f.get("max_backoff") == nil {
		out.MaxBackoff = max(out.MaxBackoff, out.Backoff)
	} else if atLeast(f, "max_backoff", &out.MaxBackoff, time.Nanosecond, p.duration) && out.MaxBackoff < out.Backoff {
		p.errorf(f.get("max_backoff"), join(f.path, "max_backoff"), "must be at least backoff (%v), got %v", out.Backoff, out.MaxBackoff)
	}
}
