package config

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

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
	var x T
	v := field(f, key, &x, read)
	_, isDuration := any(least).(time.Duration)
	switch {
	case v == nil:
	case x < least && isDuration && least == 1:
		f.p.errorf(v, join(f.path, key), "must be positive, got %v", x)
	case x < least:
		f.p.errorf(v, join(f.path, key), "must be at least %v, got %v", least, x)
	default:
		*dst = x
	}
	return v != nil && x >= least
}

// oneOf reads key as one of the words in modes.
func oneOf[T ~string](f fields, key string, dst *T, modes ...T) {
	var s string
	if v := field(f, key, &s, f.p.str); v != nil {
		words := make([]string, len(modes))
		for i, m := range modes {
			words[i] = string(m)
		}
		if !slices.Contains(words, s) {
			f.p.errorf(v, join(f.path, key), "must be one of %s, got %q", joinWords(words), s)
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
func (p *parser) str(n *yaml.Node, key string) (string, bool) {
	n = resolve(n)
	if is(n, "!!str", "!!int", "!!float", "!!bool", "!!timestamp") {
		return n.Value, true
	}
	p.errorf(n, key, "expected a string, got %s", describe(n))
	return "", false
}

// decode reads a scalar with one of tags into a T, reporting "expected
// want" when it holds anything else.
func decode[T any](p *parser, n *yaml.Node, key, want string, tags ...string) (x T, ok bool) {
	n = resolve(n)
	if !is(n, tags...) || n.Decode(&x) != nil {
		p.errorf(n, key, "expected %s, got %s", want, describe(n))
		return x, false
	}
	return x, true
}

// integer reads a whole number; "2" in quotes and 2.0 are refused so a
// typo cannot silently change meaning.
func (p *parser) integer(n *yaml.Node, key string) (int, bool) {
	if n = resolve(n); is(n, "!!int") && n.Decode(new(int)) != nil {
		p.errorf(n, key, "integer %s is out of range", n.Value)
		return 0, false
	}
	return decode[int](p, n, key, "a whole number", "!!int")
}

// number reads a finite float; integers are numbers too.
func (p *parser) number(n *yaml.Node, key string) (float64, bool) {
	n = resolve(n)
	x, ok := decode[float64](p, n, key, "a number", "!!int", "!!float")
	if ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
		p.errorf(n, key, "expected a finite number, got %s", n.Value)
		return 0, false
	}
	return x, ok
}

// boolean reads true or false.
func (p *parser) boolean(n *yaml.Node, key string) (bool, bool) {
	return decode[bool](p, n, key, "true or false", "!!bool")
}

// duration reads a Go duration string ("90s", "2m", "1h30m"). A bare number
// is refused with a hint: 120 could mean seconds or minutes, and guessing
// wrong would poll Slurm sixty times too often.
func (p *parser) duration(n *yaml.Node, key string) (time.Duration, bool) {
	n = resolve(n)
	if !is(n, "!!str") {
		if is(n, "!!int", "!!float") {
			p.errorf(n, key, "a bare number is not a duration; use a unit, e.g. %ss", n.Value)
		} else {
			p.errorf(n, key, "expected a duration such as 90s, 2m or 1h30m, got %s", describe(n))
		}
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(n.Value))
	switch {
	case err != nil && strings.Contains(err.Error(), "missing unit"):
		p.errorf(n, key, "duration %q has no unit; use a unit, e.g. %ss", n.Value, strings.TrimSpace(n.Value))
	case err != nil:
		p.errorf(n, key, "invalid duration %q; use units such as 90s, 2m or 1h30m", n.Value)
	default:
		return d, true
	}
	return 0, false
}

// strList reads a list of strings. A single string is refused rather than
// wrapped: `sbatch_args: --time 24:00:00` would otherwise become one argument
// with a space in it, which sbatch rejects only at submission time.
func (p *parser) strList(n *yaml.Node, key string) ([]string, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, key, "expected a list such as [a, b], got %s", describe(n))
		return nil, false
	}
	var out []string // [] and no key mean the same; keep Diff from seeing a change
	ok := true
	for i, item := range n.Content {
		itemKey := key + "[" + strconv.Itoa(i) + "]"
		if isNull(item) {
			p.errorf(item, itemKey, "expected a string, got null")
			ok = false
			continue
		}
		s, good := p.str(item, itemKey)
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}
