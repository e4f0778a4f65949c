package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
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

// expandVars replaces $NAME and ${NAME}; see expandPath.
func expandVars(s string, getenv func(string) string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		var name string
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
			continue
		case next == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q", s)
			}
			name = s[i+2 : i+2+end]
			if !isIdentifier(name) {
				return "", fmt.Errorf("${%s} is not a variable name", name)
			}
			i += 2 + end
		case isNameStart(next):
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			name = s[i+1 : j]
			i = j - 1
		default:
			b.WriteByte('$')
			continue
		}
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func isNameStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isNameByte(c byte) bool {
	return isNameStart(c) || ('0' <= c && c <= '9')
}

// isIdentifier reports whether s is a valid environment variable name.
func isIdentifier(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

// absolute anchors a relative path at base (the config file's directory or
// the run's workdir) and cleans it.
func absolute(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// expandedPath reads a path-valued key: text, expanded, anchored at base.
// Empty text stays empty so callers can tell "unset" from ".".
func (p *parser) expandedPath(f fields, key, base string) (string, bool) {
	v := f.get(key)
	if v == nil {
		return "", true
	}
	k := join(f.path, key)
	s, ok := p.str(v, k)
	if !ok || s == "" {
		return "", ok
	}
	s, err := expandPath(s, p.getenv)
	if err != nil {
		p.errorf(v, k, "%v", err)
		return "", false
	}
	return absolute(base, s), true
}
