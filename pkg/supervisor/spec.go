package supervisor

import (
	"cmp"
	"fmt"
	"os"
	"os/user"
	"sort"
	"strings"
	"sync"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// runConfig is one configured run, with what the loop derives from it once
// per (re)load: the effective job name and the Decide spec.
type runConfig struct {
	*config.Run
	spec run.RunSpec
	logs trainer.LogSources // where the run's jobs write stdout and stderr
}

// buildRuns derives every run's spec. The script is read here, once per
// load, to learn its #SBATCH job name, cluster and log files. Two runs
// that would carry the same job name are rejected: adoption by name would
// be ambiguous. config.Load refuses such a file already, with file:line;
// this also covers configurations built in code and scripts edited since
// the file was loaded.
func buildRuns(cfg *config.Config) (map[string]runConfig, error) {
	runs := make(map[string]runConfig, len(cfg.Runs))
	byJobName := map[string]string{}
	var problems []string
	for _, name := range cfg.RunNames() {
		r := cfg.Runs[name]
		script, err := os.ReadFile(r.Script)
		if err != nil {
			problems = append(problems, fmt.Sprintf("run %s: read script: %v", name, err))
			continue
		}
		jobName, cluster, err := fromScript(r, script)
		if err != nil {
			problems = append(problems, fmt.Sprintf("run %s: %v", name, err))
			continue
		}
		if other, dup := byJobName[jobName]; dup {
			problems = append(problems, fmt.Sprintf("runs %s and %s both use Slurm job name %q: set job_name on one of them", other, name, jobName))
			continue
		}
		byJobName[jobName] = name
		spec := SpecOf(cfg, r)
		spec.JobName, spec.Cluster = jobName, cluster
		if r.TimeLimit == config.TimeLimitFit {
			spec.TimeLimit, _ = config.UserTimeLimit(r)
		}
		runs[name] = runConfig{Run: r, logs: logSources(r, script), spec: spec}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return runs, nil
}

// paused reports whether the run is paused, by the configuration or by
// the operator (pause RUN): either suffices.
func (rc runConfig) paused(st run.RunState) bool { return rc.spec.Paused || st.Paused }

// SpecOf is what Decide and NextAction need of run r of cfg, less the
// Slurm job name (which takes reading the script; buildRuns fills it in).
func SpecOf(cfg *config.Config, r *config.Run) run.RunSpec {
	return run.RunSpec{
		Name:          r.Name,
		Start:         r.Start,
		Targets:       r.Targets,
		Policy:        r.Policy,
		Paused:        r.Paused,
		CancelOnDone:  r.OnDone == config.OnDoneCancel,
		CancelOnStall: r.OnStall == config.OnStallCancel,
		FitTimeLimit:  r.TimeLimit == config.TimeLimitFit,
		QueueAhead:    r.QueueAhead,
		PollInterval:  cfg.PollInterval,
	}
}

// fromScript works out what the run's settings leave to its script: the
// jobs' name (config.EffectiveJobName) and cluster ("": the local one). It
// must be one cluster, because sacct and squeue cannot tell the rows of
// several apart.
func fromScript(r *config.Run, script []byte) (jobName, cluster string, err error) {
	if jobName, err = config.EffectiveJobName(r); err != nil {
		return "", "", err
	}
	cluster = cmp.Or(r.Cluster, trainer.FlagsCluster(r.SbatchArgs), trainer.ScriptCluster(script))
	if err := slurm.CheckCluster(cluster); err != nil {
		return "", "", fmt.Errorf("cluster: %w; name one cluster with the cluster key", err)
	}
	return jobName, cluster, nil
}

func logSources(r *config.Run, script []byte) trainer.LogSources {
	return trainer.ResolveLogSources(trainer.LogSourceInput{Script: script, SbatchArgs: r.SbatchArgs, Env: r.Env, Log: r.Log})
}

// LogSources says which files a run's jobs write their output and errors
// to, as sbatch will resolve them: the log key, else -o/-e in sbatch_args,
// the env or the script's #SBATCH lines, else Slurm's default.
func LogSources(r *config.Run) (trainer.LogSources, error) {
	script, err := os.ReadFile(r.Script)
	if err != nil {
		return trainer.LogSources{}, fmt.Errorf("read script: %w", err)
	}
	return logSources(r, script), nil
}

// jobLogPaths are the files the job writes its training log and its
// stderr to; equal when stderr goes to the log. A %N (the node's name)
// stays in the path for the reader to resolve.
func (rc runConfig) jobLogPaths(job *run.JobRecord) (log, errs string) {
	dir := rc.logs.JobDir(rc.Workdir)
	v := trainer.LogPathVars{JobID: job.ID, JobName: cmp.Or(job.Name, rc.spec.JobName), User: currentUser()}
	log = trainer.ExpandLogPath(rc.logs.Log.Pattern, dir, v)
	errs = trainer.ExpandLogPath(rc.logs.Error.Pattern, dir, v)
	return log, errs
}

// currentUser is the daemon's user name, which is the jobs' (%u).
var currentUser = sync.OnceValue(func() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
})

// belongs reports whether a Slurm job with this name and comment is one of
// the run's: its job name, or a tag the daemon gave it.
func (rc runConfig) belongs(name, comment string) bool {
	return name == rc.spec.JobName || strings.HasPrefix(comment, run.TagPrefix(rc.spec.Name))
}
