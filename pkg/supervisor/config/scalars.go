package config

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The decoders below take a non-null value node, report a problem and return
// ok=false when it does not hold what the key needs.

// str reads a scalar as text. Numbers and booleans are accepted verbatim
// because environment values and arguments (`OMP_NUM_THREADS: 8`,
// `--nodes, 1`) are text to Slurm; keys with a fixed vocabulary check the
// text themselves.
func (r *report) str(n *yaml.Node, key string) (string, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
			return n.Value, true
		}
	}
	r.errorf(n, key, "expected a string, got %s", describe(n))
	return "", false
}

// integer reads a whole number; "2" in quotes and 2.0 are refused so a
// typo cannot silently change meaning.
func (r *report) integer(n *yaml.Node, key string) (int, bool) {
	n = resolve(n)
	var i int
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && n.Decode(&i) == nil {
		return i, true
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		r.errorf(n, key, "integer %s is out of range", n.Value)
		return 0, false
	}
	r.errorf(n, key, "expected a whole number, got %s", describe(n))
	return 0, false
}

// number reads a finite float; integers are numbers too.
func (r *report) number(n *yaml.Node, key string) (float64, bool) {
	n = resolve(n)
	var x float64
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&x) != nil {
		r.errorf(n, key, "expected a number, got %s", describe(n))
		return 0, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		r.errorf(n, key, "expected a finite number, got %s", n.Value)
		return 0, false
	}
	return x, true
}

// boolean reads true or false.
func (r *report) boolean(n *yaml.Node, key string) (bool, bool) {
	n = resolve(n)
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
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
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
			r.errorf(n, key, "a bare number is not a duration; use a unit, e.g. %ss", n.Value)
			return 0, false
		}
		r.errorf(n, key, "expected a duration such as 90s, 2m or 1h30m, got %s", describe(n))
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		if strings.Contains(err.Error(), "missing unit") {
			r.errorf(n, key, "duration %q has no unit; use a unit, e.g. %ss", n.Value, strings.TrimSpace(n.Value))
			return 0, false
		}
		r.errorf(n, key, "invalid duration %q; use units such as 90s, 2m or 1h30m", n.Value)
		return 0, false
	}
	return d, true
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
	out := make([]string, 0, len(n.Content))
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
	if len(out) == 0 {
		out = nil // [] and no key mean the same; keep Diff from seeing a change
	}
	return out, ok
}

// strMap reads a mapping of names to text values (env).
func (r *report) strMap(n *yaml.Node, key string) (map[string]string, bool) {
	ps, ok := r.entries(n, key)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		k := join(key, p.key.Value)
		if isNull(p.val) {
			out[p.key.Value] = ""
			continue
		}
		s, good := r.str(p.val, k)
		ok = ok && good
		out[p.key.Value] = s
	}
	if len(out) == 0 {
		out = nil
	}
	return out, ok
}
