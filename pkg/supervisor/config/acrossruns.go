package config

import (
	"slices"
	"strings"
)

// checkAcrossRuns finds mistakes no single run shows: two runs writing one
// checkpoint directory (nanochat names the directory after the model depth,
// so two runs of the same depth collide unless told otherwise), and two runs
// whose jobs cannot be told apart by name, which adoption relies on.
func (p *parser) checkAcrossRuns(c *Config) {
	dirOwner := map[string]string{}
	nameOwner := map[string]string{}
	scriptOwner := map[string]string{}
	for _, name := range p.order {
		r := c.Runs[name]
		nodes := p.runNodes[name]
		if r.CheckpointDir != "" {
			if other, dup := dirOwner[r.CheckpointDir]; dup {
				p.errorf(nodes.checkpointDir, join("runs", name)+".checkpoint_dir",
					"runs %s and %s share checkpoint_dir %s; each run needs its own (runs of the same depth share nanochat's default directory)",
					other, name, r.CheckpointDir)
			} else {
				dirOwner[r.CheckpointDir] = name
			}
		}
		if r.JobName != "" {
			if other, dup := nameOwner[r.JobName]; dup {
				p.errorf(nodes.jobName, join("runs", name)+".job_name",
					"runs %s and %s share job_name %q; their jobs could not be told apart", other, name, r.JobName)
			} else {
				nameOwner[r.JobName] = name
			}
		}
		if r.Script != "" && r.JobName == "" && !setsJobName(r.SbatchArgs) {
			if other, dup := scriptOwner[r.Script]; dup {
				p.warnf(nodes.script, join("runs", name)+".job_name",
					"runs %s and %s submit the same script and both take their job name from it; set job_name on each so their jobs can be told apart", other, name)
			} else {
				scriptOwner[r.Script] = name
			}
		}
	}
}

// setsJobName reports whether sbatch flags name the job themselves.
func setsJobName(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return a == "-J" || strings.HasPrefix(a, "-J") || a == "--job-name" || strings.HasPrefix(a, "--job-name=")
	})
}
