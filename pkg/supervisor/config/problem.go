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
// editors and compilers use, so a terminal can jump to it. Parts that are
// unknown (line or column 0, empty key) are left out rather than printed as
// placeholders.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is returned by Parse and Load when the configuration is invalid. It
// holds every problem found, in file order, so the user can fix them all in
// one edit instead of one per run of check-config.
type Error struct {
	Problems []Problem
}

// Error lists every problem, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// report collects problems and warnings while a file is decoded.
type report struct {
	file     string
	problems []Problem
	warnings []Problem
}

func (r *report) at(n *yaml.Node, key, msg string) Problem {
	p := Problem{File: r.file, Key: key, Message: msg}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	return p
}

// errorf records a problem located at n (nil: the whole file).
func (r *report) errorf(n *yaml.Node, key, format string, args ...any) {
	r.problems = append(r.problems, r.at(n, key, fmt.Sprintf(format, args...)))
}

// warnf records a non-fatal remark located at n.
func (r *report) warnf(n *yaml.Node, key, format string, args ...any) {
	r.warnings = append(r.warnings, r.at(n, key, fmt.Sprintf(format, args...)))
}

// sortProblems orders problems by position so the output reads top to bottom
// through the file whatever order the checks ran in.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

// err returns the collected problems as an *Error, or nil when there are none.
func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	ps := slices.Clone(r.problems)
	sortProblems(ps)
	return &Error{Problems: ps}
}

// warningStrings formats the warnings in file order.
func (r *report) warningStrings() []string {
	ws := slices.Clone(r.warnings)
	sortProblems(ws)
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Error()
	}
	return out
}
