package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// EffectiveJobName is the name Slurm gives the run's jobs, by which the
// daemon adopts them: job_name (passed last as --job-name), else a -J in
// sbatch_args (the command line overrides the script), else the script's
// #SBATCH --job-name, else the script's file name (Slurm's own default).
// The script is read only when it decides.
func EffectiveJobName(r *Run) (string, error) {
	name, _, err := jobName(r)
	return name, err
}

// UserTimeLimit is the time limit the user gives the run's jobs: a -t or
// --time in sbatch_args (the command line overrides the script), else the
// script's #SBATCH --time. ok is false when neither sets one (the
// partition's default applies) or the script cannot be read.
func UserTimeLimit(r *Run) (time.Duration, bool) {
	if d, ok := trainer.ArgsTimeLimit(r.SbatchArgs); ok {
		return d, true
	}
	data, err := os.ReadFile(r.Script)
	if err != nil {
		return 0, false
	}
	return trainer.ScriptTimeLimit(data)
}

// jobName is EffectiveJobName with where the name came from, for messages.
func jobName(r *Run) (name, from string, err error) {
	if r.JobName != "" {
		return r.JobName, "its job_name", nil
	}
	if n := trainer.ArgsJobName(r.SbatchArgs); n != "" {
		return n, "its sbatch_args", nil
	}
	data, err := os.ReadFile(r.Script)
	if err != nil {
		return "", "", fmt.Errorf("read script: %w", err)
	}
	if n := trainer.ScriptJobName(data); n != "" {
		return n, "its script's #SBATCH --job-name", nil
	}
	return filepath.Base(r.Script), "its script's file name, Slurm's default", nil
}

// checkJobNames refuses, as the daemon does at start-up, runs whose jobs
// Slurm would name alike: adoption could not tell them apart. Runs that
// set the same job_name were reported by checkAcrossRuns already; this
// finds the names that only the scripts tell. names are the runs whose
// script is a regular file, in file order.
func (p *parser) checkJobNames(c *Config, names []string) {
	owner := map[string]string{}
	for _, name := range names {
		r, nodes, key := c.Runs[name], p.runNodes[name], join("runs", name)
		jobName, from, err := jobName(r)
		if err != nil {
			p.errorf(nodes.script, key+".script", "%v", err)
			continue
		}
		other, dup := owner[jobName]
		if !dup {
			owner[jobName] = name
			continue
		}
		if r.JobName != "" && c.Runs[other].JobName != "" {
			continue
		}
		where := nodes.script
		switch {
		case r.JobName != "":
			where = nodes.jobName
		case trainer.ArgsJobName(r.SbatchArgs) != "":
			where = nodes.sbatchArgs
		}
		p.errorf(where, key+".job_name", "runs %s and %s both get Slurm job name %q (%s); their jobs could not be told apart: set job_name on one of them",
			other, name, jobName, from)
	}
}
