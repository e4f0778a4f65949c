package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// Load reads the file at path, parses it with the process environment, and
// checks what only the filesystem can tell: every script exists and is a
// regular file, every workdir exists and is a directory. Problems are
// reported with path as given (so they match what the user typed);
// Config.Path is absolute, ready to be watched.
//
// An unreadable file is a plain error wrapping the os error; an invalid one
// is an *Error listing every problem, parse and filesystem alike.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	p := newParser(path, filepath.Dir(abs), os.Getenv)
	c := p.parse(data)
	var scripts []string
	for _, name := range p.order {
		if p.checkFiles(c.Runs[name]) {
			scripts = append(scripts, name)
		}
		p.lintScript(c.Runs[name])
	}
	p.checkJobNames(c, scripts)
	p.checkStateDir(c.StateDir)
	if err := p.err(); err != nil {
		return nil, err
	}
	c.Path = abs
	c.Warnings = p.warningStrings()
	for _, w := range p.scriptWarnings {
		c.Warnings = append(c.Warnings, w.Error())
	}
	return c, nil
}

// checkFiles stats a run's paths and reports whether its script is a
// regular file. A missing checkpoint directory is only a warning: a run
// that has not started has none yet, but a typo there would make the
// daemon wait forever for checkpoints that are written elsewhere.
func (p *parser) checkFiles(r *Run) (scriptOK bool) {
	nodes := p.runNodes[r.Name]
	key := join("runs", r.Name)
	if r.Script != "" {
		switch fi, err := os.Stat(r.Script); {
		case err != nil:
			p.errorf(nodes.script, key+".script", "%v", err)
		case !fi.Mode().IsRegular():
			p.errorf(nodes.script, key+".script", "%s is not a regular file", r.Script)
		default:
			scriptOK = true
			p.checkQueueAheadScript(r)
		}
	}
	if r.Workdir != "" && nodes.workdir != nil {
		switch fi, err := os.Stat(r.Workdir); {
		case err != nil:
			p.errorf(nodes.workdir, key+".workdir", "%v", err)
		case !fi.IsDir():
			p.errorf(nodes.workdir, key+".workdir", "%s is not a directory", r.Workdir)
		}
	}
	if r.CheckpointDir != "" {
		if _, err := os.Stat(r.CheckpointDir); err != nil {
			p.warnf(nodes.checkpointDir, key+".checkpoint_dir", "%v (fine for a run that has not written a checkpoint yet)", err)
		}
	}
	return scriptOK
}

// checkStateDir refuses a state directory the daemon could not create at
// start-up: one that is, or lies under, something other than a directory.
// A directory that does not exist yet is fine; the daemon creates it.
func (p *parser) checkStateDir(dir string) {
	for ; dir != ""; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		switch {
		case err == nil && !fi.IsDir():
			p.errorf(p.stateDirNode, "state_dir", "%s is not a directory", dir)
			return
		case err == nil:
			return
		case !errors.Is(err, fs.ErrNotExist):
			p.errorf(p.stateDirNode, "state_dir", "%v", err)
			return
		case filepath.Dir(dir) == dir:
			return
		}
	}
}
