package config

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

var runKeys = []string{
	"script", "workdir", "checkpoint_dir", "ranks", "job_name", "resume_args", "sbatch_args",
	"env", "log", "start", "targets", "policy", "paused", "prune",
	"on_done", "cluster", "requeue", "on_stall", "time_limit", "queue_ahead",
}

// runElsewhere catches keys of a run's sub-sections written directly in the run.
var runElsewhere = map[string]string{
	"val_bpb": "targets", "core_metric": "targets",
	"max_attempts": "policy", "max_failures_without_progress": "policy",
	"backoff": "policy", "max_backoff": "policy", "retry_after_progress": "policy",
	"stuck_pending_after": "policy", "stall_after_intervals": "policy",
	"schedule": "prune", "keep_last": "prune", "keep_every": "prune",
}

// runName is what a run may be called: it appears in file names, journal
// fields (RUN=d20) and command lines, so no spaces, slashes or leading dots.
// A Slurm cluster name for -M must match it too; lists ("a,b") are refused
// because sacct and squeue print rows of several clusters indistinguishably.
var runName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// runs decodes the runs mapping; prune is the global retention policy runs
// refine.
func (p *parser) runs(top fields, prune *Prune) map[string]*Run {
	out := map[string]*Run{}
	var ps []pair
	ok := true
	if n := top.get("runs"); n != nil {
		ps, ok = p.entries(n, "runs")
	}
	if ok && len(ps) == 0 {
		p.errorf(top.where("runs"), "runs", "no runs declared")
	}
	for _, e := range ps {
		name, path := e.key.Value, join("runs", e.key.Value)
		if !runName.MatchString(name) {
			p.errorf(e.key, path, "invalid run name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", name)
			continue
		}
		if isNull(e.val) {
			p.errorf(e.key, path, "run is empty; it needs at least script and checkpoint_dir")
			continue
		}
		if r := p.run(e.key, e.val, prune); r != nil {
			out[name] = r
			p.order = append(p.order, name)
		}
	}
	return out
}

// run decodes the run named by key; nil when it is not even a mapping.
func (p *parser) run(key, n *yaml.Node, globalPrune *Prune) *Run {
	f, ok := p.mapping(n, key, join("runs", key.Value), runKeys, runElsewhere)
	if !ok {
		return nil
	}
	p.runFields[key.Value] = f
	r := &Run{
		Name: key.Value, Ranks: DefaultRanks, ResumeArgs: []string{StepPlaceholder}, Start: run.StartAdopt, OnDone: OnDoneFinish, OnStall: OnStallAlert, TimeLimit: TimeLimitKeep,
		Policy: run.Policy{MaxAttempts: DefaultMaxAttempts, MaxFailuresWithoutProgress: DefaultMaxFailures,
			Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, RetryAfterProgress: DefaultRetryAfterProgress,
			StuckPendingAfter: DefaultStuckPendingAfter, StallAfterIntervals: DefaultStallAfterIntervals},
	}
	p.runPaths(f, r)
	if atLeast(f, "ranks", &r.Ranks, 1, p.integer) && r.Ranks > ckpt.MaxRank {
		// The ckpt verb and the daemon's scans refuse more: the run could
		// never be judged, so never resubmitted.
		p.errorf(f.get("ranks"), join(f.path, "ranks"), "must be at most %d, got %d", ckpt.MaxRank, r.Ranks)
	}
	p.submission(f, r)
	field(f, "paused", &r.Paused, p.boolean)
	field(f, "queue_ahead", &r.QueueAhead, p.boolean)
	r.Targets = p.targets(f)
	p.policy(f, &r.Policy)
	r.Prune = p.prune(f, globalPrune)
	return r
}

// runPaths resolves script, workdir, checkpoint_dir and log. A relative
// script is relative to the workdir because sbatch runs it there; with no
// workdir, the script's directory becomes the workdir.
func (p *parser) runPaths(f fields, r *Run) {
	r.Workdir = p.expandedPath(f, "workdir", p.baseDir)
	if f.get("workdir") != nil {
		r.Script = p.expandedPath(f, "script", r.Workdir)
	} else if r.Script = p.expandedPath(f, "script", p.baseDir); r.Script != "" {
		r.Workdir = filepath.Dir(r.Script)
	}
	if strings.ContainsFunc(r.Workdir, unicode.IsControl) {
		// The job's WorkDir would break its row in squeue and sacct, and
		// the daemon could not see its own job. A '|' is fine.
		key := "workdir"
		if f.get(key) == nil {
			key = "script"
		}
		p.errorf(f.where(key), join(f.path, key), "the job's directory %q contains a control character, which squeue and sacct output cannot carry", r.Workdir)
	}
	r.CheckpointDir = p.expandedPath(f, "checkpoint_dir", p.baseDir)
	for _, key := range []string{"script", "checkpoint_dir"} {
		if v := f.get(key); v == nil || is(v, "!!str") && v.Value == "" {
			p.errorf(f.where(key), join(f.path, key), "required")
		}
	}
	r.Log = p.logPattern(f)
}

// logPattern expands the log pattern (see Run.Log). Only the % codes
// trainer.ExpandLogPath fills in are accepted: with any other the daemon
// could never find the log, and so never see the CORE metric.
func (p *parser) logPattern(f fields) string {
	s, v := p.expanded(f, "log")
	if t := logCodes.Replace(s); strings.Contains(t, "%") {
		i := strings.IndexByte(t, '%')
		p.errorf(v, join(f.path, "log"), "%q: only %%j (job id), %%x (job name) and %%%% can be filled in", t[i:min(i+2, len(t))])
		return ""
	}
	return s
}

// logCodes removes the codes trainer.ExpandLogPath fills in, scanning left
// to right as it does, so that any '%' left over starts an unknown code.
var logCodes = strings.NewReplacer("%%", "", "%j", "", "%x", "")

// notCarried reports the characters a job name must not hold: '|' (Slurm's
// field delimiter, which other tools rely on) and control characters, which
// break or shift the rows the daemon reads.
func notCarried(r rune) bool { return r == '|' || unicode.IsControl(r) }

// submission decodes what goes onto the sbatch command line.
func (p *parser) submission(f fields, r *Run) {
	if v := field(f, "job_name", &r.JobName, p.str); v != nil {
		switch s := r.JobName; {
		case strings.ContainsFunc(s, unicode.IsSpace):
			p.errorf(v, join(f.path, "job_name"), "%q contains whitespace; job names are matched in squeue and sacct output and must be one word", s)
		case strings.ContainsFunc(s, notCarried):
			p.errorf(v, join(f.path, "job_name"), "%q contains '|' or a control character, which squeue and sacct output cannot carry", s)
		}
	}
	hasStep := func(a string) bool { return strings.Contains(a, StepPlaceholder) }
	if v := field(f, "resume_args", &r.ResumeArgs, p.strList); v != nil && !slices.ContainsFunc(r.ResumeArgs, hasStep) {
		p.warnf(v, join(f.path, "resume_args"), "no %s: resubmissions will not tell the script which step to resume from", StepPlaceholder)
	}
	if v := f.get("sbatch_args"); v != nil {
		// Kept even when an item is bad, so that cluster is checked too.
		r.SbatchArgs, _ = p.strList(v, join(f.path, "sbatch_args"))
		for i, a := range r.SbatchArgs {
			if strings.HasPrefix(a, "-") && strings.ContainsFunc(a, unicode.IsSpace) {
				p.warnf(v.Content[i], join(f.path, "sbatch_args"),
					"%q is one argument with a space in it; write %q or split it into two list items", a, strings.Replace(a, " ", "=", 1))
			}
		}
	}
	if v := f.get("env"); v != nil {
		r.Env = p.env(v, join(f.path, "env"))
	}
	if v := field(f, "cluster", &r.Cluster, p.str); v != nil && r.Cluster != "" {
		if s := r.Cluster; !runName.MatchString(s) {
			p.errorf(v, join(f.path, "cluster"), "%q is not one Slurm cluster name (letters, digits, _ . -; no lists)", s)
		} else if m, set := sbatchArgsCluster(r.SbatchArgs); set && m != s {
			p.errorf(v, join(f.path, "cluster"), "%q, but sbatch_args send the jobs to %q with -M/--clusters", s, m)
		}
	}
	field(f, "requeue", &r.Requeue, p.boolean)
	oneOf(f, "start", &r.Start, run.StartAdopt, run.StartSubmit, run.StartWait)
	oneOf(f, "on_done", &r.OnDone, OnDoneFinish, OnDoneCancel)
	oneOf(f, "on_stall", &r.OnStall, OnStallAlert, OnStallCancel)
	oneOf(f, "time_limit", &r.TimeLimit, TimeLimitKeep, TimeLimitFit)
}

// env reads a mapping of variable names to text values; null is "".
func (p *parser) env(v *yaml.Node, key string) map[string]string {
	ps, _ := p.entries(v, key)
	env := map[string]string{}
	for _, e := range ps {
		name := e.key.Value
		if !identifier.MatchString(name) {
			p.errorf(e.key, join(key, name), "not a valid environment variable name (letters, digits and _, not starting with a digit)")
		}
		if env[name] = ""; !isNull(e.val) {
			env[name], _ = p.str(e.val, join(key, name))
		}
	}
	if len(env) == 0 {
		return nil // {} and no key mean the same; keep Diff from seeing a change
	}
	return env
}

// sbatchArgsCluster finds -M/--clusters among sbatch flags ("-M x", "-Mx",
// "--clusters=x", "--clusters x", and sbatch's alias --cluster).
func sbatchArgsCluster(args []string) (cluster string, found bool) {
	for i, a := range args {
		switch {
		case a == "-M" || a == "--clusters" || a == "--cluster":
			if i+1 < len(args) {
				cluster, found = args[i+1], true
			}
		case strings.HasPrefix(a, "--clusters="), strings.HasPrefix(a, "--cluster="):
			_, cluster, _ = strings.Cut(a, "=")
			found = true
		case strings.HasPrefix(a, "-M"):
			cluster, found = a[2:], true
		}
	}
	return cluster, found
}

// checkAcrossRuns finds mistakes no single run shows: two runs writing one
// checkpoint directory, and two runs whose jobs cannot be told apart by
// name, which adoption relies on.
func (p *parser) checkAcrossRuns(c *Config) {
	dirOwner, nameOwner, scriptOwner := map[string]string{}, map[string]string{}, map[string]string{}
	for _, name := range p.order {
		r, f, key := c.Runs[name], p.runFields[name], join("runs", name)
		if other := claim(dirOwner, r.CheckpointDir, name); other != "" {
			p.errorf(f.get("checkpoint_dir"), key+".checkpoint_dir",
				"runs %s and %s share checkpoint_dir %s; each run needs its own (runs of the same depth share nanochat's default directory)",
				other, name, r.CheckpointDir)
		}
		if other := claim(nameOwner, r.JobName, name); other != "" {
			p.errorf(f.get("job_name"), key+".job_name",
				"runs %s and %s share job_name %q; their jobs could not be told apart", other, name, r.JobName)
		}
		if r.JobName != "" || setsJobName(r.SbatchArgs) {
			continue
		}
		if other := claim(scriptOwner, r.Script, name); other != "" {
			p.warnf(f.get("script"), key+".job_name",
				"runs %s and %s submit the same script and both take their job name from it; set job_name on each so their jobs can be told apart", other, name)
		}
	}
}

// claim records name as the run that owns value, unless another run
// already does; it returns that other run, or "".
func claim(owners map[string]string, value, name string) string {
	if other, taken := owners[value]; taken || value == "" {
		return other
	}
	owners[value] = name
	return ""
}

// setsJobName reports whether sbatch flags name the job themselves.
func setsJobName(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return strings.HasPrefix(a, "-J") || a == "--job-name" || strings.HasPrefix(a, "--job-name=")
	})
}
