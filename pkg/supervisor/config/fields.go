package config

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// fields is a mapping with a fixed set of known keys, taken apart.
type fields struct {
	node *yaml.Node
	path string
	keys map[string]*yaml.Node // known key -> its key node
	vals map[string]*yaml.Node // known key -> its value node (aliases resolved)
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
// it was written, else the mapping that lacks it.
func (f fields) where(key string) *yaml.Node {
	if k := f.keys[key]; k != nil {
		return k
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
		if slices.Contains(known, name) {
			f.keys[name], f.vals[name] = p.key, resolve(p.val)
			continue
		}
		r.errorf(p.key, join(path, name), "%s", unknownKey(name, known, elsewhere))
	}
	return f, true
}

// unknownKey words the problem for a key that is not part of the format.
func unknownKey(name string, known []string, elsewhere map[string]string) string {
	if section, ok := elsewhere[name]; ok {
		return "unknown key here; it belongs under " + section + ":"
	}
	if s := closest(name, known); s != "" {
		return "unknown key; did you mean " + s + "?"
	}
	return "unknown key; known keys here: " + joinWords(known)
}
