package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// This file walks yaml.Node trees. The decoder's own strict mode
// (KnownFields) stops at the first problem and cannot report duplicate keys
// with both positions, so mappings are taken apart here by hand.

// maxAliasDepth bounds alias chains; yaml.v3 rejects cycles, this is only a
// guard against pathological but legal nesting.
const maxAliasDepth = 64

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null (`key:`, `key: ~`).
// Null values mean "use the default" everywhere in this file format.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		default:
			return fmt.Sprintf("%q tagged %s", n.Value, n.ShortTag())
		}
	}
	return "nothing"
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
// (`<<: *base`) expanded: keys written in the mapping win over merged ones,
// and among merged mappings the first listed wins, as the merge-key spec
// says. Duplicate written keys are problems. ok is false when n is not a
// mapping at all.
func (r *report) entries(n *yaml.Node, path string) (ps []pair, ok bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		r.errorf(n, path, "expected a mapping of keys, got %s", describe(n))
		return nil, false
	}
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			r.errorf(k, path, "keys must be plain names, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			r.errorf(k, join(path, k.Value), "duplicate key (first set on line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		ps = append(ps, pair{k, v})
	}
	visited := map[*yaml.Node]bool{n: true}
	for _, m := range merges {
		ps = r.merge(m, path, seen, visited, ps)
	}
	return ps, true
}

// merge appends the entries of the mapping(s) named by a `<<` value that are
// not already in seen. visited makes every mapping count once, so diamond
// shaped merges cannot blow up.
func (r *report) merge(v *yaml.Node, path string, seen map[string]*yaml.Node, visited map[*yaml.Node]bool, ps []pair) []pair {
	v = resolve(v)
	if v != nil && v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			if resolve(item) != nil && resolve(item).Kind == yaml.SequenceNode {
				r.errorf(item, join(path, "<<"), "expected a mapping to merge, got a list")
				continue
			}
			ps = r.merge(item, path, seen, visited, ps)
		}
		return ps
	}
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(v, join(path, "<<"), "expected a mapping or a list of mappings to merge, got %s", describe(v))
		return ps
	}
	if visited[v] {
		return ps
	}
	visited[v] = true
	var nested []*yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := resolve(v.Content[i])
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			nested = append(nested, v.Content[i+1])
			continue
		}
		if k.Kind != yaml.ScalarNode || seen[k.Value] != nil {
			continue // reported where the mapping is decoded on its own, or overridden
		}
		seen[k.Value] = k
		ps = append(ps, pair{k, v.Content[i+1]})
	}
	for _, m := range nested {
		ps = r.merge(m, path, seen, visited, ps)
	}
	return ps
}
