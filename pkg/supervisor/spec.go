package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// runConfig is one configured run, with what the loop derives from it once
// per (re)load: the effective job name and the Decide spec.
type runConfig struct {
	*config.Run
	spec RunSpec
}

// buildRuns derives every run's spec. The script is read here, once per
// load, to learn its #SBATCH job name. Two runs that would carry the same
// job name are rejected: adoption by name would be ambiguous.
func buildRuns(cfg *config.Config) (map[string]runConfig, error) {
	runs := make(map[string]runConfig, len(cfg.Runs))
	byJobName := map[string]string{}
	var problems []string
	for _, name := range cfg.RunNames() {
		r := cfg.Runs[name]
		jobName, cluster, err := fromScript(r)
		if err != nil {
			problems = append(problems, fmt.Sprintf("run %s: %v", name, err))
			continue
		}
		if other, dup := byJobName[jobName]; dup {
			problems = append(problems, fmt.Sprintf("runs %s and %s both use Slurm job name %q: set job_name on one of them", other, name, jobName))
			continue
		}
		byJobName[jobName] = name
		runs[name] = runConfig{Run: r, spec: RunSpec{
			Name:    name,
			JobName: jobName,
			Cluster: cluster,
			Start:   StartMode(r.Start),
			Targets: trainer.Targets{ValBPB: r.Targets.ValBPB, CoreMetric: r.Targets.CoreMetric},
			Policy: Policy{
				MaxAttempts:                r.Policy.MaxAttempts,
				MaxFailuresWithoutProgress: r.Policy.MaxFailuresWithoutProgress,
				Backoff:                    r.Policy.Backoff,
				MaxBackoff:                 r.Policy.MaxBackoff,
				RetryAfterProgress:         r.Policy.RetryAfterProgress,
			},
			Paused:       r.Paused,
			PollInterval: cfg.PollInterval,
		}}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return runs, nil
}

// fromScript reads the script once for what the run's settings leave to
// it. jobName is what Slurm will call the run's jobs: job_name, else the
// script's #SBATCH --job-name, else the script's file name (Slurm's own
// default). cluster is where they run: the cluster key, else -M in
// sbatch_args, else the script's #SBATCH -M/--clusters, else "" (the local
// cluster); it must be one cluster, because sacct and squeue cannot tell
// the rows of several apart.
func fromScript(r *config.Run) (jobName, cluster string, err error) {
	var data []byte
	if r.JobName == "" || (r.Cluster == "" && trainer.FlagsCluster(r.SbatchArgs) == "") {
		if data, err = os.ReadFile(r.Script); err != nil {
			return "", "", fmt.Errorf("read script: %w", err)
		}
	}
	jobName = r.JobName
	if jobName == "" {
		jobName = trainer.ScriptJobName(data)
	}
	if jobName == "" {
		jobName = filepath.Base(r.Script)
	}
	cluster = r.Cluster
	if cluster == "" {
		cluster = trainer.FlagsCluster(r.SbatchArgs)
	}
	if cluster == "" {
		cluster = trainer.ScriptCluster(data)
	}
	if err := slurm.CheckCluster(cluster); err != nil {
		return "", "", fmt.Errorf("cluster: %w; name one cluster with the cluster key", err)
	}
	return jobName, cluster, nil
}

// belongs reports whether a Slurm job with this name and comment is one of
// the run's: its job name, or a tag the daemon gave it.
func (rc runConfig) belongs(name, comment string) bool {
	return name == rc.spec.JobName || strings.HasPrefix(comment, "nsv:"+rc.spec.Name+":")
}
