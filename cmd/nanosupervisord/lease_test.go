package main

import (
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// Between two heartbeats the lease must still reach as far ahead as the
// supervisor's fence asks before sbatch; otherwise a slow Slurm
// (command_timeout raised) would hold every submission back for good.
func TestLeaseTTLCoversTheFence(t *testing.T) {
	for _, timeout := range []time.Duration{time.Second, config.DefaultCommandTimeout, 5 * time.Minute} {
		cfg := &config.Config{Slurm: config.Slurm{CommandTimeout: timeout}}
		ttl := leaseTTL(cfg)
		if ttl < lease.DefaultTTL {
			t.Errorf("command_timeout %v: TTL %v, below the default %v", timeout, ttl, lease.DefaultTTL)
		}
		if margin := supervisor.LeaseMargin(cfg); ttl-heartbeat < margin {
			t.Errorf("command_timeout %v: TTL %v reaches %v ahead just before a heartbeat; the fence asks %v", timeout, ttl, ttl-heartbeat, margin)
		}
	}
}
