package supervisor

import (
	"fmt"
	"sort"
	"strings"

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
// job name are rejected: adoption by name would be ambiguous. config.Load
// refuses such a file already, with file:line; this also covers
// configurations built in code and scripts edited since the file was
// loaded.
func buildRuns(cfg *config.Config) (map[string]runConfig, error) {
	runs := make(map[string]runConfig, len(cfg.Runs))
	byJobName := map[string]string{}
	var problems []string
	for _, name := range cfg.RunNames() {
		r := cfg.Runs[name]
		jobName, err := config.EffectiveJobName(r)
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
		spec.JobName = jobName
		if r.TimeLimit == config.TimeLimitFit {
			spec.TimeLimit, _ = config.UserTimeLimit(r)
		}
		runs[name] = runConfig{Run: r, spec: spec}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return runs, nil
}

// paused reports whether the run is paused, by the configuration or by
// the operator (pause RUN): either suffices.
func (rc runConfig) paused(st RunState) bool { return rc.spec.Paused || st.Paused }

// SpecOf is what Decide and NextAction need of run r of cfg, less the
// Slurm job name (which takes reading the script; buildRuns fills it in).
func SpecOf(cfg *config.Config, r *config.Run) RunSpec {
	return RunSpec{
		Name:    r.Name,
		Start:   StartMode(r.Start),
		Targets: trainer.Targets{ValBPB: r.Targets.ValBPB, CoreMetric: r.Targets.CoreMetric},
		Policy: Policy{
			MaxAttempts:                r.Policy.MaxAttempts,
			MaxFailuresWithoutProgress: r.Policy.MaxFailuresWithoutProgress,
			Backoff:                    r.Policy.Backoff,
			MaxBackoff:                 r.Policy.MaxBackoff,
			RetryAfterProgress:         r.Policy.RetryAfterProgress,
			StuckPendingAfter:          r.Policy.StuckPendingAfter,
			StallAfterIntervals:        r.Policy.StallAfterIntervals,
		},
		Paused:        r.Paused,
		CancelOnDone:  r.OnDone == config.OnDoneCancel,
		CancelOnStall: r.OnStall == config.OnStallCancel,
		FitTimeLimit:  r.TimeLimit == config.TimeLimitFit,
		PollInterval:  cfg.PollInterval,
	}
}

// belongs reports whether a Slurm job with this name and comment is one of
// the run's: its job name, or a tag the daemon gave it.
func (rc runConfig) belongs(name, comment string) bool {
	return name == rc.spec.JobName || strings.HasPrefix(comment, "nsv:"+rc.spec.Name+":")
}
