package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file walks yaml.Node trees. The decoder's own strict mode
// (KnownFields) stops at the first problem and cannot report duplicate keys
// with both positions, so mappings are taken apart here by hand.

// resolve follows an alias to the node it names. That node is never an
// alias itself: YAML gives an alias no anchor of its own.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null (`key:`, `key: ~`).
// Null values mean "use the default" everywhere in this file format.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// is reports whether n is a scalar with one of the tags.
func is(n *yaml.Node, tags ...string) bool {
	return n.Kind == yaml.ScalarNode && slices.Contains(tags, n.ShortTag())
}

var tagWords = map[string]string{"!!int": "the integer %s", "!!float": "the number %s", "!!bool": "the boolean %s", "!!str": "the string %q"}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "nothing"
	case tagWords[n.ShortTag()] != "":
		return fmt.Sprintf(tagWords[n.ShortTag()], n.Value)
	case is(n, "!!null"):
		return "null"
	}
	return fmt.Sprintf("%q tagged %s", n.Value, n.ShortTag())
}

// join builds the dotted key path used in problems.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// pair is one key/value entry of a mapping, aliases resolved.
type pair struct {
	key, val *yaml.Node
}

// entries returns the entries of mapping n in file order with YAML merge keys
// (`<<: *base`) expanded. ok is false when n is not a mapping at all.
func (p *parser) entries(n *yaml.Node, path string) (ps []pair, ok bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		p.errorf(n, path, "expected a mapping of keys, got %s", describe(n))
		return nil, false
	}
	return p.collect(n, path, true, map[string]*yaml.Node{}, map[*yaml.Node]bool{}, nil), true
}

// collect appends the entries of mapping m that are not in seen, then those
// of the mappings it merges: keys written in a mapping win over merged ones,
// and among merged mappings the first listed wins, as the merge-key spec
// says. Only the mapping being decoded (own) reports its bad and duplicate
// keys; a merged one is reported where it is decoded on its own. visited
// makes every mapping count once, so diamond shaped merges cannot blow up.
func (p *parser) collect(m *yaml.Node, path string, own bool, seen map[string]*yaml.Node, visited map[*yaml.Node]bool, ps []pair) []pair {
	visited[m] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), m.Content[i+1]
		switch {
		case is(k, "!!merge"):
			merges = append(merges, v)
		case k.Kind != yaml.ScalarNode:
			if own {
				p.errorf(k, path, "keys must be plain names, got %s", describe(k))
			}
		case seen[k.Value] != nil:
			if own {
				p.errorf(k, join(path, k.Value), "duplicate key (first set on line %d)", seen[k.Value].Line)
			}
		default:
			seen[k.Value] = k
			ps = append(ps, pair{k, v})
		}
	}
	for _, v := range merges {
		items := []*yaml.Node{v}
		if rv := resolve(v); rv != nil && rv.Kind == yaml.SequenceNode {
			items = rv.Content
		}
		for _, item := range items {
			switch it := resolve(item); {
			case it != nil && it.Kind == yaml.SequenceNode:
				p.errorf(item, join(path, "<<"), "expected a mapping to merge, got a list")
			case it == nil || it.Kind != yaml.MappingNode:
				p.errorf(it, join(path, "<<"), "expected a mapping or a list of mappings to merge, got %s", describe(it))
			case !visited[it]:
				ps = p.collect(it, path, false, seen, visited, ps)
			}
		}
	}
	return ps
}

// fields is a mapping with a fixed set of known keys, taken apart.
type fields struct {
	p     *parser
	node  *yaml.Node
	owner *yaml.Node // the key naming this mapping, when the caller knows it
	path  string
	known map[string]pair // known key -> its entry (value alias resolved)
}

// get returns the value of key, or nil when it is absent or null.
func (f fields) get(key string) *yaml.Node {
	if v := f.known[key].val; !isNull(v) {
		return v
	}
	return nil
}

// where returns the best node to blame for a problem with key: the key when
// it was written, else the key naming the mapping that lacks it, else the
// mapping itself.
func (f fields) where(key string) *yaml.Node {
	return cmp.Or(f.known[key].key, f.owner, f.node)
}

// mapping decodes n as a mapping whose keys must be among known. Every other
// key is a problem with a suggestion: the closest known key, or the section
// the key belongs in when elsewhere names one (max_attempts -> policy).
func (p *parser) mapping(n, owner *yaml.Node, path string, known []string, elsewhere map[string]string) (fields, bool) {
	f := fields{p: p, node: resolve(n), owner: owner, path: path, known: map[string]pair{}}
	ps, ok := p.entries(n, path)
	for _, e := range ps {
		name := e.key.Value
		switch {
		case slices.Contains(known, name):
			f.known[name] = pair{e.key, resolve(e.val)}
		case path == "" && strings.HasPrefix(name, extensionPrefix):
			// A place for anchors shared by several runs, as in Compose files.
		default:
			p.errorf(e.key, join(path, name), "%s", unknownKey(name, e.val, known, elsewhere))
		}
	}
	return f, ok
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
	for i := 0; i < len(n.Content); i += 2 {
		if n.Content[i].Value == "script" {
			return true
		}
	}
	return false
}
