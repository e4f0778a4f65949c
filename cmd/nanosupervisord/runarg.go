package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/ledger"
)

// noRun is the error about a run named on the command line that is not
// in the configuration (nor elsewhere): it says where the configuration
// was found, and lists the runs that do exist.
func noRun(cfg *config.Config, name, norElsewhere string) error {
	runs := "it has no runs"
	if names := cfg.RunNames(); len(names) > 0 {
		runs = "its runs: " + strings.Join(names, ", ")
	}
	return withCode(exitError, fmt.Errorf("no run %q in %s%s; %s", name, configOrigin(cfg.Path), norElsewhere, runs))
}

func loadRun(c *cobra.Command, name string) (*config.Config, *config.Run, error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return nil, nil, err
	}
	if rc, ok := cfg.Runs[name]; ok {
		return cfg, rc, nil
	}
	return nil, nil, noRun(cfg, name, "")
}

// loadStates loads the configuration and the daemon's state snapshot.
func loadStates(c *cobra.Command) (*config.Config, map[string]run.RunState, error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return nil, nil, err
	}
	states, err := readStates(cfg.StateDir)
	return cfg, states, err
}

// readStates reads the state snapshot; a missing one means the daemon has
// not run yet.
func readStates(dir string) (map[string]run.RunState, error) {
	var snap struct {
		Runs map[string]run.RunState `json:"runs"`
	}
	if _, err := ledger.LoadState(dir, &snap); err != nil {
		return nil, err
	}
	return snap.Runs, nil
}

// stateOf is the recorded state of a run, or a new one.
func stateOf(states map[string]run.RunState, name string) run.RunState {
	if st, ok := states[name]; ok {
		return st
	}
	return run.NewRunState(name)
}

// unless points to v, or is nil when v is none: an optional JSON field.
func unless[T comparable](v, none T) *T {
	if v == none {
		return nil
	}
	return &v
}

// configOrigin names the configuration file and why that one was read:
// "config.yaml (from $NSV_CONFIG)".
func configOrigin(path string) string {
	switch {
	case os.Getenv("NSV_CONFIG") == path:
		return path + " (from $NSV_CONFIG)"
	case path == config.DefaultPath():
		return path + " (the default)"
	}
	return path
}

// completeRuns completes a RUN argument with the runs of the
// configuration (--config, $NSV_CONFIG or the default), quietly: a shell
// completing a word is no place for configuration problems.
func completeRuns(c *cobra.Command, a []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(a) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg, err := config.Load(configPath(c))
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	others := func(name string) bool { return !strings.HasPrefix(name, toComplete) }
	return slices.DeleteFunc(cfg.RunNames(), others), cobra.ShellCompDirectiveNoFileComp
}
