package config

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseWithEnv decodes and validates a configuration held in data, reading
// nothing from disk; getenv stands for the environment. path names the file
// in problems, and its directory anchors relative paths (Load passes an
// absolute path). The error, if any, is an *Error listing every problem.
func ParseWithEnv(data []byte, path string, getenv func(string) string) (*Config, error) {
	p := newParser(path, filepath.Dir(path), getenv)
	c := p.parse(data)
	if err := p.err(); err != nil {
		return nil, err
	}
	c.Warnings = p.warningStrings()
	return c, nil
}

// parser carries what decoding needs besides the YAML (where relative paths
// start, the environment) and collects the problems and warnings it finds.
type parser struct {
	file               string
	problems, warnings []Problem
	baseDir            string
	getenv             func(string) string
	runFields          map[string]fields // each run's mapping, for the checks of Load
	// scriptWarnings are remarks on the runs' batch scripts, located in
	// the scripts; they follow the config file's own warnings.
	scriptWarnings []Problem
	order          []string // run names in file order, for messages that compare runs
	// stateDirNode is where state_dir was written; nil when it was derived
	// from the environment.
	stateDirNode *yaml.Node
}

func newParser(file, baseDir string, getenv func(string) string) *parser {
	return &parser{file: file, baseDir: baseDir, getenv: getenv, runFields: map[string]fields{}}
}

var topKeys = []string{"poll_interval", "state_dir", "slurm", "storage", "runs", "prune", "notify"}

// topElsewhere catches keys written one level too high.
var topElsewhere = map[string]string{
	"bin_dir": "slurm", "command_timeout": "slurm",
	"schedule": "prune", "keep_last": "prune", "keep_every": "prune",
	"webhook":       "notify",
	"quota_command": "storage", "quota_timeout": "storage",
}

// parse decodes data into a Config. It always returns a Config (partly
// filled when there are problems) so Load can still check the runs that
// decoded; callers must consult p.err().
func (p *parser) parse(data []byte) *Config {
	c := &Config{Path: p.file, PollInterval: DefaultPollInterval, Runs: map[string]*Run{},
		Slurm: Slurm{CommandTimeout: DefaultCommandTimeout}, Storage: Storage{QuotaTimeout: DefaultQuotaTimeout}}
	root, ok := p.document(data)
	if !ok {
		return c
	}
	f, ok := p.mapping(root, nil, "", topKeys, topElsewhere)
	if !ok {
		return c
	}
	if atLeast(f, "poll_interval", &c.PollInterval, minPollInterval, p.duration) && c.PollInterval < slowPollInterval {
		p.warnf(f.get("poll_interval"), "poll_interval", "%v is below %v: sacct this often loads the Slurm controller every user shares", c.PollInterval, slowPollInterval)
	}
	c.StateDir = p.stateDir(f)
	if s, ok := f.section("slurm", []string{"bin_dir", "command_timeout"}); ok {
		c.Slurm.BinDir = p.expandedPath(s, "bin_dir", p.baseDir)
		atLeast(s, "command_timeout", &c.Slurm.CommandTimeout, minTimeout, p.duration)
	}
	p.storage(f, &c.Storage)
	c.Prune = p.prune(f, nil)
	c.Notify = p.notify(f)
	c.Runs = p.runs(f, c.Prune)
	p.checkAcrossRuns(c)
	return c
}

// document parses the YAML text and returns the root node of its single
// document; ok is false when there is none (an empty file has no runs). More
// than one document is refused: the second would otherwise be ignored
// without a word.
func (p *parser) document(data []byte) (root *yaml.Node, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs [2]yaml.Node
	for i := range docs {
		if err := dec.Decode(&docs[i]); err != nil && !errors.Is(err, io.EOF) {
			p.syntaxError(err)
			return nil, false
		}
	}
	if second := docs[1].Content; len(second) > 0 && !isNull(second[0]) {
		p.errorf(second[0], "", "a second YAML document (after ---); the configuration must be a single document")
		return nil, false
	}
	if doc := docs[0]; doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 && !isNull(doc.Content[0]) {
		return doc.Content[0], true
	}
	p.errorf(nil, "runs", "no runs declared")
	return nil, false
}

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError turns a yaml.v3 error ("yaml: line 3: did not find expected
// key") into a Problem with the line in its place.
func (p *parser) syntaxError(err error) {
	msg := err.Error()
	prob := Problem{File: p.file}
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		prob.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	// yaml.v3 often reports the line where the enclosing construct began,
	// which can be a line or two before the mistake; say "near".
	prob.Message = "invalid YAML near here: " + strings.TrimPrefix(msg, "yaml: ")
	p.problems = append(p.problems, prob)
}
