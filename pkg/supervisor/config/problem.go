package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a configuration file, located as precisely
// as the YAML allows. Line and Column are 1-based; 0 means unknown.
type Problem struct {
	File    string
	Line    int
	Column  int
	Key     string // dotted path, e.g. runs.d20.policy.backoff; "" for the whole file
	Message string
}

// Error formats the problem as "FILE:LINE:COL: KEY: MESSAGE", the form
// editors and compilers use; unknown parts are left out.
func (p Problem) Error() string {
	s := p.File
	if p.Line > 0 {
		s += fmt.Sprintf(":%d", p.Line)
		if p.Column > 0 {
			s += fmt.Sprintf(":%d", p.Column)
		}
	}
	if p.Key != "" {
		s += ": " + p.Key
	}
	return s + ": " + p.Message
}

// Error is returned by ParseWithEnv and Load for an invalid configuration:
// every problem, in file order, so that one edit can fix them all.
type Error struct {
	Problems []Problem
}

// Error lists every problem, one per line.
func (e *Error) Error() string {
	return strings.Join(problemStrings(e.Problems), "\n")
}

func (p *parser) at(n *yaml.Node, key, format string, args []any) Problem {
	prob := Problem{File: p.file, Key: key, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		prob.Line, prob.Column = n.Line, n.Column
	}
	return prob
}

// errorf records a problem located at n (nil: the whole file).
func (p *parser) errorf(n *yaml.Node, key, format string, args ...any) {
	p.problems = append(p.problems, p.at(n, key, format, args))
}

// warnf records a non-fatal remark located at n.
func (p *parser) warnf(n *yaml.Node, key, format string, args ...any) {
	p.warnings = append(p.warnings, p.at(n, key, format, args))
}

// inFileOrder sorts problems by position so the output reads top to bottom
// through the file whatever order the checks ran in.
func inFileOrder(ps []Problem) []Problem {
	return slices.SortedStableFunc(slices.Values(ps), func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

// err returns the collected problems as an *Error, or nil when there are none.
func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	return &Error{Problems: inFileOrder(p.problems)}
}

// warningStrings formats the warnings in file order.
func (p *parser) warningStrings() []string {
	return problemStrings(inFileOrder(p.warnings))
}

func problemStrings(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Error()
	}
	return out
}

// closest returns the candidate nearest to word when it is near enough to be
// a plausible typo, else "". Case and the -/_ confusion are forgiven first:
// "Checkpoint-Dir" is checkpoint_dir, not a typo two edits away.
func closest(word string, candidates []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	w := norm(word)
	dist := func(c string) int { return editDistance(w, norm(c)) }
	if len(candidates) == 0 {
		return ""
	}
	best := slices.MinFunc(candidates, func(a, b string) int { return cmp.Compare(dist(a), dist(b)) })
	// A third of the word, at least 1 and at most 3 edits: "chekpoint_dir" is
	// a typo, "log" for "job" is a different word.
	if dist(best) > min(max(len(w)/3, 1), 3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in bytes
// (keys are ASCII). It runs in O(len(a)*len(b)) with one row of memory.
func editDistance(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			prev, row[j] = row[j], min(row[j]+1, row[j-1]+1, prev+cost)
		}
	}
	return row[len(b)]
}

// joinWords lists words as "a, b or c".
func joinWords(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
