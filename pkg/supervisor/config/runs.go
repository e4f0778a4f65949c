package config

import (
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
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
var runName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// clusterName is one Slurm cluster name for -M; lists ("a,b") are refused
// because sacct and squeue print rows of several clusters indistinguishably.
var clusterName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

var startModes = []string{string(run.StartAdopt), string(run.StartSubmit), string(run.StartWait)}

var onDoneModes = []string{string(OnDoneFinish), string(OnDoneCancel)}

var onStallModes = []string{string(OnStallAlert), string(OnStallCancel)}

var timeLimitModes = []string{string(TimeLimitKeep), string(TimeLimitFit)}

// runs decodes the runs mapping; prune is the global retention policy runs
// refine.
func (p *parser) runs(top fields, prune *Prune) map[string]*Run {
	out := map[string]*Run{}
	n := top.get("runs")
	if n == nil {
		p.errorf(top.where("runs"), "runs", "no runs declared")
		return out
	}
	ps, ok := p.entries(n, "runs")
	if !ok {
		return out
	}
	if len(ps) == 0 {
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
	name, path := key.Value, join("runs", key.Value)
	f, ok := p.mapping(n, path, runKeys, runElsewhere)
	if !ok {
		return nil
	}
	f.owner = key
	r := &Run{
		Name: name, Ranks: DefaultRanks, ResumeArgs: []string{StepPlaceholder}, Start: run.StartAdopt, OnDone: OnDoneFinish, OnStall: OnStallAlert, TimeLimit: TimeLimitKeep,
		Policy: run.Policy{MaxAttempts: DefaultMaxAttempts, MaxFailuresWithoutProgress: DefaultMaxFailures,
			Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, RetryAfterProgress: DefaultRetryAfterProgress,
			StuckPendingAfter: DefaultStuckPendingAfter, StallAfterIntervals: DefaultStallAfterIntervals},
	}
	p.runPaths(f, r)
	p.intAtLeast(f, "ranks", &r.Ranks, 1)
	if r.Ranks > ckpt.MaxRank {
		// The ckpt verb and the daemon's scans refuse more: the run could
		// never be judged, so never resubmitted.
		p.errorf(f.get("ranks"), join(f.path, "ranks"), "must be at most %d, got %d", ckpt.MaxRank, r.Ranks)
		r.Ranks = DefaultRanks
	}
	p.submission(f, r)
	if v := f.get("paused"); v != nil {
		r.Paused, _ = p.boolean(v, join(path, "paused"))
	}
	if v := f.get("queue_ahead"); v != nil {
		r.QueueAhead, _ = p.boolean(v, join(path, "queue_ahead"))
	}
	r.Targets = p.targets(f)
	r.Policy = p.policy(f, r.Policy)
	r.Prune = p.prune(f.get("prune"), join(path, "prune"), globalPrune)
	p.runNodes[name] = runNodes{script: f.get("script"), workdir: f.get("workdir"),
		checkpointDir: f.get("checkpoint_dir"), jobName: f.get("job_name"), sbatchArgs: f.get("sbatch_args")}
	return r
}

// runPaths resolves script, workdir, checkpoint_dir and log. workdir and
// checkpoint_dir are relative to the config file; a relative script is
// relative to the workdir, because that is where sbatch will run it; with no
// workdir, the script is relative to the config file and its directory
// becomes the workdir.
func (p *parser) runPaths(f fields, r *Run) {
	r.Workdir, _ = p.expandedPath(f, "workdir", p.baseDir)
	scriptBase := r.Workdir
	if f.get("workdir") == nil {
		scriptBase = p.baseDir
	}
	r.Script, _ = p.expandedPath(f, "script", scriptBase)
	if f.get("workdir") == nil && r.Script != "" {
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
	r.CheckpointDir, _ = p.expandedPath(f, "checkpoint_dir", p.baseDir)
	for _, key := range []string{"script", "checkpoint_dir"} {
		if f.get(key) == nil || isEmptyString(f.get(key)) {
			p.errorf(f.where(key), join(f.path, key), "required")
		}
	}
	if v := f.get("log"); v != nil {
		r.Log = p.logPattern(v, join(f.path, "log"))
	}
}

func isEmptyString(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && n.Value == ""
}

// logPattern expands ~ and $VARS in the log pattern but keeps it relative and
// keeps its % codes. Only the codes trainer.ExpandLogPath fills in are accepted:
// with any other the daemon could never find the log, and so never see the
// CORE metric it needs to call a run done.
func (p *parser) logPattern(v *yaml.Node, key string) string {
	s, ok := p.str(v, key)
	if !ok {
		return ""
	}
	s, err := expandPath(s, p.getenv)
	if err != nil {
		p.errorf(v, key, "%v", err)
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+1 < len(s) && strings.IndexByte("jx%", s[i+1]) >= 0 {
			i++
			continue
		}
		p.errorf(v, key, "%q: only %%j (job id), %%x (job name) and %%%% can be filled in", s[i:min(i+2, len(s))])
		return ""
	}
	return s
}

// notCarried reports the characters a job name must not hold: '|'
// (Slurm's own field delimiter, which other tools reading squeue and
// sacct rely on) and control characters, which break or shift the rows of
// the daemon's own reading.
func notCarried(r rune) bool { return r == '|' || unicode.IsControl(r) }

// submission decodes what goes onto the sbatch command line.
func (p *parser) submission(f fields, r *Run) {
	if v := f.get("job_name"); v != nil {
		if s, ok := p.str(v, join(f.path, "job_name")); ok {
			switch {
			case strings.ContainsFunc(s, unicode.IsSpace):
				p.errorf(v, join(f.path, "job_name"), "%q contains whitespace; job names are matched in squeue and sacct output and must be one word", s)
			case strings.ContainsFunc(s, notCarried):
				p.errorf(v, join(f.path, "job_name"), "%q contains '|' or a control character, which squeue and sacct output cannot carry", s)
			}
			r.JobName = s
		}
	}
	if v := f.get("resume_args"); v != nil {
		if args, ok := p.strList(v, join(f.path, "resume_args")); ok {
			r.ResumeArgs = args
			if !slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, StepPlaceholder) }) {
				p.warnf(v, join(f.path, "resume_args"), "no %s: resubmissions will not tell the script which step to resume from", StepPlaceholder)
			}
		}
	}
	if v := f.get("sbatch_args"); v != nil {
		r.SbatchArgs, _ = p.strList(v, join(f.path, "sbatch_args"))
		for i, a := range r.SbatchArgs {
			if strings.HasPrefix(a, "-") && strings.ContainsFunc(a, unicode.IsSpace) {
				p.warnf(resolve(v).Content[i], join(f.path, "sbatch_args"),
					"%q is one argument with a space in it; write %q or split it into two list items", a, strings.Replace(a, " ", "=", 1))
			}
		}
	}
	if v := f.get("env"); v != nil {
		r.Env = p.env(v, join(f.path, "env"))
	}
	if v := f.get("cluster"); v != nil {
		if s, ok := p.str(v, join(f.path, "cluster")); ok {
			if s != "" && !clusterName.MatchString(s) {
				p.errorf(v, join(f.path, "cluster"), "%q is not one Slurm cluster name (letters, digits, _ . -; no lists)", s)
			} else if m, set := sbatchArgsCluster(r.SbatchArgs); set && s != "" && m != s {
				p.errorf(v, join(f.path, "cluster"), "%q, but sbatch_args send the jobs to %q with -M/--clusters", s, m)
			}
			r.Cluster = s
		}
	}
	if v := f.get("requeue"); v != nil {
		r.Requeue, _ = p.boolean(v, join(f.path, "requeue"))
	}
	if v := f.get("start"); v != nil {
		if s, ok := p.str(v, join(f.path, "start")); ok {
			if !slices.Contains(startModes, s) {
				p.errorf(v, join(f.path, "start"), "must be one of %s, got %q", joinWords(startModes), s)
			}
			r.Start = run.StartMode(s)
		}
	}
	if s, ok := p.oneOf(f, "on_done", onDoneModes); ok {
		r.OnDone = OnDone(s)
	}
	if s, ok := p.oneOf(f, "on_stall", onStallModes); ok {
		r.OnStall = OnStall(s)
	}
	if s, ok := p.oneOf(f, "time_limit", timeLimitModes); ok {
		r.TimeLimit = TimeLimitMode(s)
	}
}

// oneOf decodes key as one of the words in modes; ok is false when the key
// is absent or not a string. A word not in modes is reported.
func (p *parser) oneOf(f fields, key string, modes []string) (string, bool) {
	v := f.get(key)
	if v == nil {
		return "", false
	}
	s, ok := p.str(v, join(f.path, key))
	if ok && !slices.Contains(modes, s) {
		p.errorf(v, join(f.path, key), "must be one of %s, got %q", joinWords(modes), s)
	}
	return s, ok
}

func (p *parser) env(v *yaml.Node, key string) map[string]string {
	env, _ := p.strMap(v, key)
	for _, e := range quietEntries(v) {
		if !isIdentifier(e.key.Value) {
			p.errorf(e.key, join(key, e.key.Value), "not a valid environment variable name (letters, digits and _, not starting with a digit)")
		}
	}
	return env
}

// quietEntries lists a mapping's written keys without reporting anything
// (strMap has already reported what is wrong with it).
func quietEntries(n *yaml.Node) []pair {
	var quiet report
	ps, _ := quiet.entries(n, "")
	return ps
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
