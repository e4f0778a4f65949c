package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

func newCheckConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config [FILE]",
		Short: "Validate a configuration file; print every problem",
		Long: `check-config validates FILE (default: the configuration path) offline: every
key, type and value, that each run's script and workdir exist, that no two
runs' jobs get one Slurm job name, and that the state directory can be
created: whatever run and tick would refuse. When the state directory holds
a run's history, it also advises the run's --save-every (see report). It prints every problem with
file:line:column and exits 1, or prints a summary and exits 0. Without FILE it checks the file the other verbs read: $NSV_CONFIG,
else $XDG_CONFIG_HOME/nanosupervisord/config.yaml.`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			path := configPath("")
			if len(a) == 1 {
				path = a[0]
			}
			cfg, err := config.Load(path)
			if err != nil {
				printLines(c.ErrOrStderr(), err.Error())
				return withCode(exitError, errSilent)
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(c.ErrOrStderr(), "warning:", printable(w))
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: ok, %d run(s): ", printable(cfg.Path), len(cfg.Runs))
			for i, name := range cfg.RunNames() {
				if i > 0 {
					fmt.Fprint(c.OutOrStdout(), ", ")
				}
				fmt.Fprint(c.OutOrStdout(), name)
			}
			fmt.Fprintln(c.OutOrStdout())
			printSaveAdvice(c.OutOrStdout(), cfg.RunNames(), cfg.StateDir)
			return nil
		},
	}
}

// printSaveAdvice prints the --save-every advice of every run whose history
// in stateDir allows one. A state directory that cannot be read gives no
// advice: check-config judges the file, not the daemon's state.
func printSaveAdvice(w io.Writer, runs []string, stateDir string) {
	states, err := loadStates(stateDir)
	if err != nil {
		return
	}
	now := time.Now()
	for _, name := range runs {
		st, ok := states[name]
		if !ok {
			continue
		}
		if adv, ok := supervisor.AdviseSaveEvery(st, supervisor.AccountRun(st, now)); ok {
			fmt.Fprintf(w, "%s: %s\n", printable(name), adv)
		}
	}
}
