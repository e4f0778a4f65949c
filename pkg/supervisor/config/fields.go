package config

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// fields is a mapping with a fixed set of known keys, taken apart.
type fields struct {
	node  *yaml.Node
	owner *yaml.Node // the key naming this mapping, when the caller knows it
	path  string
	keys  map[string]*yaml.Node // known key -> its key node
	vals  map[string]*yaml.Node // known key -> its value node (aliases resolved)
}

// get returns the value of key, or nil when it is absent or null.
func (f fields) get(key string) *yaml.Node {
	v := f.vals[key]
	if isNull(v) {
		return nil
	}
	return v
}

// where returns the best node to blame for a problem with key: the key when
// it was written, else the key naming the mapping that lacks it, else the
// mapping itself.
func (f fields) where(key string) *yaml.Node {
	if k := f.keys[key]; k != nil {
		return k
	}
	if f.owner != nil {
		return f.owner
	}
	return f.node
}

// mapping decodes n as a mapping whose keys must be among known. Every other
// key is a problem with a suggestion: the closest known key, or the section
// the key belongs in when elsewhere names one (max_attempts -> policy).
func (r *report) mapping(n *yaml.Node, path string, known []string, elsewhere map[string]string) (fields, bool) {
	f := fields{node: resolve(n), path: path, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	ps, ok := r.entries(n, path)
	if !ok {
		return f, false
	}
	for _, p := range ps {
		name := p.key.Value
		switch {
		case slices.Contains(known, name):
			f.keys[name], f.vals[name] = p.key, resolve(p.val)
		case path == "" && strings.HasPrefix(name, extensionPrefix):
			// A place for anchors shared by several runs, as in Compose files.
		default:
			r.errorf(p.key, join(path, name), "%s", unknownKey(name, p.val, known, elsewhere))
		}
	}
	return f, true
}

// extensionPrefix marks top-level keys the daemon ignores, so that YAML
// anchors (x-defaults: &defaults ...) have somewhere to live.
const extensionPrefix = "x-"

// unknownKey words the problem for a key that is not part of the format.
func unknownKey(name string, val *yaml.Node, known []string, elsewhere map[string]string) string {
	if section, ok := elsewhere[name]; ok {
		return "unknown key here; it belongs under " + section + ":"
	}
	if looksLikeRun(val) && !slices.Contains(known, "script") {
		return "unknown key; if this is a run, it belongs under runs:"
	}
	if s := closest(name, known); s != "" {
		return "unknown key; did you mean " + s + "?"
	}
	return "unknown key; known keys here: " + joinWords(known)
}

// looksLikeRun reports whether n is a mapping with a script key, i.e. a run
// written in the wrong place.
func looksLikeRun(n *yaml.Node) bool {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "script" {
			return true
		}
	}
	return false
}
