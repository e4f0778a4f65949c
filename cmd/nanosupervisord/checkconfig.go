package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func newCheckConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config [FILE]",
		Short: "Validate a configuration file; print every problem",
		Long: `check-config validates FILE (default: the configuration path) offline: every
key, type and value, that each run's script and workdir exist, that no two
runs' jobs get one Slurm job name, and that the state directory can be
created: whatever run and tick would refuse. It also looks for sbatch,
sacct, squeue and scancel where the daemon will (slurm.bin_dir, else PATH)
and prints where it found them; a missing one is a problem (set
slurm.bin_dir: a systemd user unit does not see the login shell's PATH or
modules). Warnings (also about the batch scripts, with their file:line)
go to stderr; for each run it prints which log and error file it will
read. When the state directory holds a run's history, it also advises
the run's --save-every (see report). It prints every problem with file:line:column and exits 1, or
prints a summary and exits 0. Without FILE it checks the file the other verbs read: $NSV_CONFIG,
else $XDG_CONFIG_HOME/nanosupervisord/config.yaml.`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			path := configPath(c)
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
			fmt.Fprintf(c.OutOrStdout(), "%s: ok, %d run(s): %s\n", printable(cfg.Path), len(cfg.Runs), strings.Join(cfg.RunNames(), ", "))
			for _, name := range cfg.RunNames() {
				printLogSources(c.OutOrStdout(), name, cfg.Runs[name])
			}
			printSaveAdvice(c.OutOrStdout(), cfg.RunNames(), cfg.StateDir)
			if !reportSlurmPrograms(c.OutOrStdout(), c.ErrOrStderr(), cfg.Slurm.BinDir) {
				return withCode(exitError, errSilent)
			}
			return nil
		},
	}
}

// reportSlurmPrograms prints where each Slurm program was found, or why
// not and what to do, and reports whether all were found.
func reportSlurmPrograms(out, errOut io.Writer, binDir string) bool {
	where := "PATH"
	if binDir != "" {
		where = "slurm.bin_dir " + binDir
	}
	ok := true
	for _, l := range (&slurm.ExecRunner{BinDir: binDir}).Locate() {
		if l.Err != nil {
			fmt.Fprintf(errOut, "slurm: %s: not found in %s: %v\n", l.Name, where, l.Err)
			ok = false
			continue
		}
		fmt.Fprintf(out, "slurm: %s: %s\n", l.Name, l.Path)
	}
	if !ok {
		fmt.Fprintln(errOut, "slurm: set slurm.bin_dir to the directory of sbatch, sacct, squeue and scancel "+
			"(command -v sbatch in a login shell, after any module load); "+
			"under systemd the daemon does not see the login shell's PATH")
	}
	return ok
}

// printLogSources says which files the daemon will read for a run's jobs,
// and where that choice came from.
func printLogSources(w io.Writer, name string, r *config.Run) {
	src, err := supervisor.LogSources(r)
	if err != nil {
		return // already reported as a problem of the script
	}
	dir, vars := src.JobDir(r.Workdir), trainer.LogPathVars{JobID: "%j", JobName: "%x", User: "%u"}
	fmt.Fprintf(w, "run %s: log %s from %s\n", name, trainer.ExpandLogPath(src.Log.Pattern, dir, vars), src.Log)
	if !src.SameFile() || src.Log.Source == trainer.SourceConfig {
		fmt.Fprintf(w, "run %s: errors %s from %s\n", name, trainer.ExpandLogPath(src.Error.Pattern, dir, vars), src.Error)
	}
}

// printSaveAdvice prints the --save-every advice of every run whose history
// in stateDir allows one. A state directory that cannot be read gives no
// advice: check-config judges the file, not the daemon's state.
func printSaveAdvice(w io.Writer, runs []string, stateDir string) {
	states, err := readStates(stateDir)
	if err != nil {
		return
	}
	for _, name := range runs {
		st, ok := states[name]
		if !ok {
			continue
		}
		if adv := saveAdvice(st, run.AccountRun(st, time.Now())); adv != nil {
			fmt.Fprintf(w, "%s: %s\n", printable(name), adv.Text)
		}
	}
}
