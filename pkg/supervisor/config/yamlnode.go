package config

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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

// is reports whether n is a scalar with one of the tags.
func is(n *yaml.Node, tags ...string) bool {
	return n.Kind == yaml.ScalarNode && slices.Contains(tags, n.ShortTag())
}

var tagWords = map[string]string{"!!int": "the integer ", "!!float": "the number ", "!!bool": "the boolean "}

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
		return tagWords[n.ShortTag()] + n.Value
	case is(n, "!!str"):
		return fmt.Sprintf("the string %q", n.Value)
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
func (r *report) entries(n *yaml.Node, path string) (ps []pair, ok bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		r.errorf(n, path, "expected a mapping of keys, got %s", describe(n))
		return nil, false
	}
	return r.collect(n, path, true, map[string]*yaml.Node{}, map[*yaml.Node]bool{}, nil), true
}

// collect appends the entries of mapping m that are not in seen, then those
// of the mappings it merges: keys written in a mapping win over merged ones,
// and among merged mappings the first listed wins, as the merge-key spec
// says. Only the mapping being decoded (own) reports its bad and duplicate
// keys; a merged one is reported where it is decoded on its own. visited
// makes every mapping count once, so diamond shaped merges cannot blow up.
func (r *report) collect(m *yaml.Node, path string, own bool, seen map[string]*yaml.Node, visited map[*yaml.Node]bool, ps []pair) []pair {
	visited[m] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), m.Content[i+1]
		switch {
		case is(k, "!!merge"):
			merges = append(merges, v)
		case k.Kind != yaml.ScalarNode:
			if own {
				r.errorf(k, path, "keys must be plain names, got %s", describe(k))
			}
		case seen[k.Value] != nil:
			if own {
				r.errorf(k, join(path, k.Value), "duplicate key (first set on line %d)", seen[k.Value].Line)
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
				r.errorf(item, join(path, "<<"), "expected a mapping to merge, got a list")
			case it == nil || it.Kind != yaml.MappingNode:
				r.errorf(it, join(path, "<<"), "expected a mapping or a list of mappings to merge, got %s", describe(it))
			case !visited[it]:
				ps = r.collect(it, path, false, seen, visited, ps)
			}
		}
	}
	return ps
}

// fields is a mapping with a fixed set of known keys, taken apart.
type fields struct {
	r     *report
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
func (r *report) mapping(n, owner *yaml.Node, path string, known []string, elsewhere map[string]string) (fields, bool) {
	f := fields{r: r, node: resolve(n), owner: owner, path: path, known: map[string]pair{}}
	ps, ok := r.entries(n, path)
	for _, p := range ps {
		name := p.key.Value
		switch {
		case slices.Contains(known, name):
			f.known[name] = pair{p.key, resolve(p.val)}
		case path == "" && strings.HasPrefix(name, extensionPrefix):
			// A place for anchors shared by several runs, as in Compose files.
		default:
			r.errorf(p.key, join(path, name), "%s", unknownKey(name, p.val, known, elsewhere))
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

// field reads key with read into *dst when it is present and not null. It
// returns the value node when *dst was set; read has reported any problem.
func field[T any](f fields, key string, dst *T, read func(*yaml.Node, string) (T, bool)) *yaml.Node {
	v := f.get(key)
	if v == nil {
		return nil
	}
	x, ok := read(v, join(f.path, key))
	if !ok {
		return nil
	}
	*dst = x
	return v
}

// atLeast reads key into *dst when it is present and at least least
// ("must be positive" when least is 1ns). It reports whether it did.
func atLeast[T int | time.Duration](f fields, key string, dst *T, least T, read func(*yaml.Node, string) (T, bool)) bool {
	old := *dst
	v := field(f, key, dst, read)
	_, isDuration := any(least).(time.Duration)
	switch {
	case v == nil:
		return false
	case *dst < least && isDuration && least == 1:
		f.r.errorf(v, join(f.path, key), "must be positive, got %v", *dst)
	case *dst < least:
		f.r.errorf(v, join(f.path, key), "must be at least %v, got %v", least, *dst)
	default:
		return true
	}
	*dst = old
	return false
}

// oneOf reads key as one of the words in modes.
func oneOf[T ~string](f fields, key string, dst *T, modes ...T) {
	var s string
	if v := field(f, key, &s, f.r.str); v != nil {
		words := make([]string, len(modes))
		for i, m := range modes {
			words[i] = string(m)
		}
		if !slices.Contains(words, s) {
			f.r.errorf(v, join(f.path, key), "must be one of %s, got %q", joinWords(words), s)
		}
		*dst = T(s)
	}
}

// The readers below take a non-null value node, report a problem and return
// ok=false when it does not hold what the key needs.

// str reads a scalar as text. Numbers and booleans are accepted verbatim
// because environment values and arguments (`OMP_NUM_THREADS: 8`,
// `--nodes, 1`) are text to Slurm; keys with a fixed vocabulary check the
// text themselves.
func (r *report) str(n *yaml.Node, key string) (string, bool) {
	n = resolve(n)
	if is(n, "!!str", "!!int", "!!float", "!!bool", "!!timestamp") {
		return n.Value, true
	}
	r.errorf(n, key, "expected a string, got %s", describe(n))
	return "", false
}

// integer reads a whole number; "2" in quotes and 2.0 are refused so a
// typo cannot silently change meaning.
func (r *report) integer(n *yaml.Node, key string) (i int, ok bool) {
	n = resolve(n)
	switch {
	case !is(n, "!!int"):
		r.errorf(n, key, "expected a whole number, got %s", describe(n))
	case n.Decode(&i) != nil:
		r.errorf(n, key, "integer %s is out of range", n.Value)
	default:
		return i, true
	}
	return 0, false
}

// number reads a finite float; integers are numbers too.
func (r *report) number(n *yaml.Node, key string) (x float64, ok bool) {
	n = resolve(n)
	switch {
	case !is(n, "!!int", "!!float") || n.Decode(&x) != nil:
		r.errorf(n, key, "expected a number, got %s", describe(n))
	case math.IsNaN(x) || math.IsInf(x, 0):
		r.errorf(n, key, "expected a finite number, got %s", n.Value)
	default:
		return x, true
	}
	return 0, false
}

// boolean reads true or false.
func (r *report) boolean(n *yaml.Node, key string) (b bool, ok bool) {
	n = resolve(n)
	if !is(n, "!!bool") || n.Decode(&b) != nil {
		r.errorf(n, key, "expected true or false, got %s", describe(n))
		return false, false
	}
	return b, true
}

// duration reads a Go duration string ("90s", "2m", "1h30m"). A bare number
// is refused with a hint: 120 could mean seconds or minutes, and guessing
// wrong would poll Slurm sixty times too often.
func (r *report) duration(n *yaml.Node, key string) (time.Duration, bool) {
	n = resolve(n)
	if !is(n, "!!str") {
		if is(n, "!!int", "!!float") {
			r.errorf(n, key, "a bare number is not a duration; use a unit, e.g. %ss", n.Value)
		} else {
			r.errorf(n, key, "expected a duration such as 90s, 2m or 1h30m, got %s", describe(n))
		}
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(n.Value))
	switch {
	case err != nil && strings.Contains(err.Error(), "missing unit"):
		r.errorf(n, key, "duration %q has no unit; use a unit, e.g. %ss", n.Value, strings.TrimSpace(n.Value))
	case err != nil:
		r.errorf(n, key, "invalid duration %q; use units such as 90s, 2m or 1h30m", n.Value)
	default:
		return d, true
	}
	return 0, false
}

// strList reads a list of strings. A single string is refused rather than
// wrapped: `sbatch_args: --time 24:00:00` would otherwise become one argument
// with a space in it, which sbatch rejects only at submission time.
func (r *report) strList(n *yaml.Node, key string) ([]string, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, key, "expected a list such as [a, b], got %s", describe(n))
		return nil, false
	}
	var out []string // [] and no key mean the same; keep Diff from seeing a change
	ok := true
	for i, item := range n.Content {
		itemKey := key + "[" + strconv.Itoa(i) + "]"
		if isNull(item) {
			r.errorf(item, itemKey, "expected a string, got null")
			ok = false
			continue
		}
		s, good := r.str(item, itemKey)
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}
