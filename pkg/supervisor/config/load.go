package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// DefaultPath is where the configuration lives unless told otherwise:
// $XDG_CONFIG_HOME/nanosupervisord/config.yaml, else
// ~/.config/nanosupervisord/config.yaml, else config.yaml in the current
// directory when neither variable is set.
func DefaultPath() string {
	return defaultPath(os.Getenv)
}

func defaultPath(getenv func(string) string) string {
	if x := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "nanosupervisord", "config.yaml")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "nanosupervisord", "config.yaml")
	}
	return "config.yaml"
}

// Load reads the file at path, parses it with the process environment and
// adds the checks only the filesystem can tell (see the package doc).
// Problems name path as given; Config.Path is absolute, ready to be watched.
// An unreadable file is a plain error wrapping the os error; an invalid one
// is an *Error listing every problem.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	abs, absErr := filepath.Abs(path)
	if err := cmp.Or(err, absErr); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	p := newParser(path, filepath.Dir(abs), os.Getenv)
	c := p.parse(data)
	jobNames := map[string]string{}
	for _, name := range p.order {
		if p.checkFiles(c.Runs[name]) {
			p.checkJobName(c, name, jobNames)
			p.lintScript(c.Runs[name])
		}
	}
	p.checkStateDir(c.StateDir)
	if err := p.err(); err != nil {
		return nil, err
	}
	c.Path = abs
	c.Warnings = append(p.warningStrings(), problemStrings(p.scriptWarnings)...)
	return c, nil
}

// checkFiles stats a run's paths and reports whether its script is a
// regular file. A missing checkpoint directory is only a warning: a run
// that has not started has none yet, but a typo there would make the
// daemon wait forever for checkpoints that are written elsewhere.
func (p *parser) checkFiles(r *Run) (scriptOK bool) {
	f, key := p.runFields[r.Name], join("runs", r.Name)
	if err := statAs(r.Script, false); r.Script != "" && err != nil {
		p.errorf(f.get("script"), key+".script", "%v", err)
	} else {
		scriptOK = r.Script != ""
	}
	if err := statAs(r.Workdir, true); r.Workdir != "" && f.get("workdir") != nil && err != nil {
		p.errorf(f.get("workdir"), key+".workdir", "%v", err)
	}
	if _, err := os.Stat(r.CheckpointDir); r.CheckpointDir != "" && err != nil {
		p.warnf(f.get("checkpoint_dir"), key+".checkpoint_dir", "%v (fine for a run that has not written a checkpoint yet)", err)
	}
	return scriptOK
}

// maxScriptBytes bounds how much of a batch script is read for linting;
// sbatch itself refuses scripts over 4 MiB by default.
const maxScriptBytes = 4 << 20

// lintScript records as warnings located in the script (file:line) what
// would make supervision go wrong although sbatch accepts it
// (trainer.LintScript), and a queue_ahead run whose script does not ask
// resume-step for its step: a queued successor gets no resume arguments.
func (p *parser) lintScript(r *Run) {
	f, err := os.Open(r.Script)
	if err != nil {
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxScriptBytes))
	if err != nil {
		return
	}
	script, key := p.runFields[r.Name].get("script"), join("runs", r.Name)
	if r.QueueAhead && !bytes.Contains(data, []byte("resume-step")) {
		p.warnf(script, key+".queue_ahead",
			"the script does not call `nanosupervisord resume-step`: a queued successor gets no resume arguments and would start afresh")
	}
	for _, w := range trainer.LintScript(data, trainer.LintInput{Ranks: r.Ranks, ResumeArgs: r.ResumeArgs, SbatchArgs: r.SbatchArgs}) {
		if w.Line == 0 {
			p.warnf(script, key+".sbatch_args", "%s", w.Message)
		} else {
			p.scriptWarnings = append(p.scriptWarnings, Problem{File: r.Script, Line: w.Line, Key: key, Message: w.Message})
		}
	}
}

// checkStateDir refuses a state directory the daemon could not create at
// start-up: one that is, or lies under, something other than a directory.
// A directory that does not exist yet is fine; the daemon creates it.
func (p *parser) checkStateDir(dir string) {
	for ; dir != ""; dir = filepath.Dir(dir) {
		err := statAs(dir, true)
		switch {
		case errors.Is(err, fs.ErrNotExist) && filepath.Dir(dir) != dir:
			continue
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			p.errorf(p.stateDirNode, "state_dir", "%v", err)
		}
		return
	}
}

// statAs returns why path is not a directory (dir) or a regular file, or nil.
func statAs(path string, dir bool) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case dir && !fi.IsDir():
		return fmt.Errorf("%s is not a directory", path)
	case !dir && !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	}
	return nil
}

// EffectiveJobName is the name Slurm gives the run's jobs, by which the
// daemon adopts them: job_name (passed last as --job-name), else a -J in
// sbatch_args (the command line overrides the script), else the script's
// #SBATCH --job-name, else the script's file name (Slurm's own default).
// The script is read only when it decides.
func EffectiveJobName(r *Run) (string, error) {
	name, _, _, err := jobName(r)
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

// jobName is EffectiveJobName with the key that decides it and where the
// name came from, for messages.
func jobName(r *Run) (name, key, from string, err error) {
	if r.JobName != "" {
		return r.JobName, "job_name", "its job_name", nil
	}
	if n := trainer.ArgsJobName(r.SbatchArgs); n != "" {
		return n, "sbatch_args", "its sbatch_args", nil
	}
	data, err := os.ReadFile(r.Script)
	if err != nil {
		return "", "", "", fmt.Errorf("read script: %w", err)
	}
	if n := trainer.ScriptJobName(data); n != "" {
		return n, "script", "its script's #SBATCH --job-name", nil
	}
	return filepath.Base(r.Script), "script", "its script's file name, Slurm's default", nil
}

// checkJobName refuses, as the daemon does at start-up, a run whose jobs
// Slurm would name like those of an earlier run in owner: adoption could
// not tell them apart. Equal job_name settings were reported by
// checkAcrossRuns already; this finds the names that only the scripts tell.
func (p *parser) checkJobName(c *Config, name string, owner map[string]string) {
	r, f, key := c.Runs[name], p.runFields[name], join("runs", name)
	jobName, setBy, from, err := jobName(r)
	if err != nil {
		p.errorf(f.get("script"), key+".script", "%v", err)
		return
	}
	other := claim(owner, jobName, name)
	if other == "" || r.JobName != "" && c.Runs[other].JobName != "" {
		return
	}
	p.errorf(f.get(setBy), key+".job_name", "runs %s and %s both get Slurm job name %q (%s); their jobs could not be told apart: set job_name on one of them",
		other, name, jobName, from)
}
