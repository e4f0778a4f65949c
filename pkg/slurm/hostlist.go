package slurm

import (
	"fmt"
	"strconv"
	"strings"
)

// maxHostlist bounds what ExpandHostlist returns, so that a range like
// "n[1-99999999]" cannot make the daemon allocate without end.
const maxHostlist = 4096

// ExpandHostlist expands a Slurm hostlist as sacct prints NodeList:
// "vm", "gpu[01-03,07]", "a1,b[2-3]", "rack[1-2]-n[1-2]". Zero padding is
// kept. A malformed bracket is taken as a plain name.
func ExpandHostlist(s string) []string {
	var out []string
	for _, item := range splitTopLevel(s) {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if out = append(out, expandItem(item, maxHostlist-len(out))...); len(out) == maxHostlist {
			break
		}
	}
	return out
}

// splitTopLevel splits on the commas outside brackets.
func splitTopLevel(s string) []string {
	var items []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, s[start:i])
				start = i + 1
			}
		}
	}
	return append(items, s[start:])
}

// expandItem expands the first bracket of one item, then the rest of it,
// into at most limit names: the bound holds while expanding, so nested
// ranges ("a[1-4096]b[1-4096]") cost no more than one range.
func expandItem(item string, limit int) []string {
	open := strings.IndexByte(item, '[')
	end := strings.IndexByte(item, ']')
	if open < 0 || end < open {
		return []string{item}
	}
	prefix, ranges, rest := item[:open], item[open+1:end], item[end+1:]
	var names []string
	tails := expandItem(rest, limit)
	for _, r := range strings.Split(ranges, ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		if errA != nil || errB != nil || b < a || b-a > maxHostlist {
			return []string{item}
		}
		for n := a; n <= b; n++ {
			num := fmt.Sprintf("%0*d", len(lo), n)
			for _, tail := range tails {
				if len(names) == limit {
					return names
				}
				names = append(names, prefix+num+tail)
			}
		}
	}
	return names
}
