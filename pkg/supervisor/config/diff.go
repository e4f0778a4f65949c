package config

import (
	"maps"
	"reflect"
	"slices"
)

// Equal reports whether c and other would make the daemon behave the same:
// every setting and run is compared; Path and Warnings are not.
func (c *Config) Equal(other *Config) bool {
	if c == nil || other == nil {
		return c == other
	}
	a, b := *c, *other
	a.Path, b.Path = "", ""
	a.Warnings, b.Warnings = nil, nil
	return reflect.DeepEqual(a, b)
}

// Diff compares c with the configuration it replaces, for reload logging:
// the names of runs only in c (added), only in old (removed), and in both
// but with different settings of their own (changed), each sorted. old may
// be nil. Global settings (poll_interval, the global prune, ...) are not
// attributed to runs; Equal tells whether anything at all changed.
func (c *Config) Diff(old *Config) (added, removed, changed []string) {
	var oldRuns map[string]*Run
	if old != nil {
		oldRuns = old.Runs
	}
	for _, name := range c.RunNames() {
		if prev, ok := oldRuns[name]; !ok {
			added = append(added, name)
		} else if !reflect.DeepEqual(prev, c.Runs[name]) {
			changed = append(changed, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(oldRuns)) {
		if c.Runs[name] == nil {
			removed = append(removed, name)
		}
	}
	return added, removed, changed
}

// RestartOnly returns the settings that differ between old and c but that
// the daemon wires once, at start-up, so that a live reload cannot change
// them: the state directory (its lease, journal and snapshot are opened
// once; following a new one would leave the lock on the old directory while
// a cron tick or status reads the new, unlocked one) and the Slurm command
// timeout (the lease's length is sized to cover it). A reload that changes
// any of them must be refused. slurm.bin_dir may change live: the daemon
// swaps its Slurm client, which is how a user fixes slurm_missing.
func (c *Config) RestartOnly(old *Config) (keys []string) {
	if c != nil && old != nil && c.StateDir != old.StateDir {
		keys = append(keys, "state_dir")
	}
	if c != nil && old != nil && c.Slurm.CommandTimeout != old.Slurm.CommandTimeout {
		keys = append(keys, "slurm.command_timeout")
	}
	return keys
}
