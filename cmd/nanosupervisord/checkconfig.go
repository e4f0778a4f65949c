package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func newCheckConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config [FILE]",
		Short: "Validate a configuration file; print every problem",
		Long: `check-config validates FILE (default: the configuration path) offline: every
key, type and value, and that each run's script and workdir exist. It prints
every problem with file:line:column and exits 1, or prints a summary and
exits 0. Warnings (also about the batch scripts, with their file:line) go to
stderr; for each run it prints which log and error file it will read. Without FILE it checks the file the other verbs read: $NSV_CONFIG,
else $XDG_CONFIG_HOME/nanosupervisord/config.yaml.`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			path := configPath("")
			if len(a) == 1 {
				path = a[0]
			}
			cfg, err := config.Load(path)
			if err != nil {
				fmt.Fprintln(c.ErrOrStderr(), err)
				return withCode(exitError, errSilent)
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(c.ErrOrStderr(), "warning:", w)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: ok, %d run(s): ", cfg.Path, len(cfg.Runs))
			for i, name := range cfg.RunNames() {
				if i > 0 {
					fmt.Fprint(c.OutOrStdout(), ", ")
				}
				fmt.Fprint(c.OutOrStdout(), name)
			}
			fmt.Fprintln(c.OutOrStdout())
			for _, name := range cfg.RunNames() {
				printLogSources(c.OutOrStdout(), name, cfg.Runs[name])
			}
			return nil
		},
	}
}

// printLogSources says which files the daemon will read for a run's jobs,
// and where that choice came from.
func printLogSources(w io.Writer, name string, r *config.Run) {
	src, err := supervisor.LogSources(r)
	if err != nil {
		return // already reported as a problem of the script
	}
	dir := src.JobDir(r.Workdir)
	fmt.Fprintf(w, "run %s: log %s from %s\n", name, trainer.ExpandLogPath(src.Log.Pattern, dir, trainer.LogPathVars{JobID: "%j", JobName: "%x", User: "%u"}), src.Log)
	if !src.SameFile() || src.Log.Source == trainer.SourceConfig {
		fmt.Fprintf(w, "run %s: errors %s from %s\n", name, trainer.ExpandLogPath(src.Error.Pattern, dir, trainer.LogPathVars{JobID: "%j", JobName: "%x", User: "%u"}), src.Error)
	}
}
