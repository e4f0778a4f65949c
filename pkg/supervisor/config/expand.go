package config

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandPath expands a leading "~" or "~/" to $HOME, then $VAR and ${VAR}
// references. "$$" is a literal "$"; a "$" not followed by a name is kept.
//
// A variable that is unset or empty is an error, not an empty string:
// "$SCRATCH/ckpt" silently becoming "/ckpt" would point a run at the wrong
// directory. getenv is injected so that parsing stays pure and testable.
func expandPath(s string, getenv func(string) string) (string, error) {
	prefix, rest := "", s
	if strings.HasPrefix(s, "~") {
		if s != "~" && !strings.HasPrefix(s, "~/") {
			return "", errors.New("~user paths are not supported; write the full path or use ~/ or $HOME")
		}
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("~ used but HOME is not set")
		}
		prefix, rest = home, s[1:]
	}
	expanded, err := expandVars(rest, getenv)
	if err != nil {
		return "", err
	}
	return prefix + expanded, nil
}

// varRef matches what expandVars replaces: $$, ${...} (perhaps
// unterminated) and $NAME. A "$" before anything else is kept.
var varRef = regexp.MustCompile(`\$(\$|\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)`)

// identifier is a valid environment variable name.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandVars replaces $NAME and ${NAME}; see expandPath.
func expandVars(s string, getenv func(string) string) (string, error) {
	var err error
	out := varRef.ReplaceAllStringFunc(s, func(ref string) string {
		name, braced := strings.CutPrefix(ref[1:], "{")
		name, closed := strings.CutSuffix(name, "}")
		switch {
		case name == "$" && !braced:
			return "$"
		case braced && !closed:
			err = cmp.Or(err, fmt.Errorf("unterminated ${ in %q", s))
		case !identifier.MatchString(name):
			err = cmp.Or(err, fmt.Errorf("${%s} is not a variable name", name))
		case getenv(name) == "":
			err = cmp.Or(err, fmt.Errorf("environment variable %s is not set", name))
		}
		return getenv(name)
	})
	if err != nil {
		return "", err
	}
	return out, nil
}

// expanded reads key as text with ~ and $VARS expanded; v is the value
// node, nil when the key is absent, null or bad.
func (p *parser) expanded(f fields, key string) (s string, v *yaml.Node) {
	if v = field(f, key, &s, p.str); v == nil {
		return "", nil
	}
	s, err := expandPath(s, p.getenv)
	if err != nil {
		p.errorf(v, join(f.path, key), "%v", err)
		return "", nil
	}
	return s, v
}

// expandedPath reads a path-valued key: text, expanded, anchored at base
// (the config file's directory or the run's workdir) and cleaned. Empty
// text stays empty so callers can tell "unset" from ".".
func (p *parser) expandedPath(f fields, key, base string) string {
	s, _ := p.expanded(f, key)
	if s == "" {
		return ""
	}
	if !filepath.IsAbs(s) {
		s = filepath.Join(base, s)
	}
	return filepath.Clean(s)
}
