package config

import (
	"testing"
)

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "c.yaml", Line: 3, Column: 5, Key: "runs.d20.ranks", Message: "must be at least 1, got 0"}, "c.yaml:3:5: runs.d20.ranks: must be at least 1, got 0"},
		{Problem{File: "c.yaml", Line: 3, Message: "invalid YAML"}, "c.yaml:3: invalid YAML"},
		{Problem{File: "c.yaml", Key: "runs", Message: "no runs declared"}, "c.yaml: runs: no runs declared"},
		{Problem{File: "c.yaml", Column: 7, Message: "m"}, "c.yaml: m"}, // a column without a line means nothing
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Problem%+v.Error() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestErrorListsEveryProblemInFileOrder(t *testing.T) {
	r := parser{file: "c.yaml"}
	r.problems = []Problem{
		{File: "c.yaml", Line: 9, Column: 1, Message: "last"},
		{File: "c.yaml", Line: 2, Column: 8, Message: "second"},
		{File: "c.yaml", Line: 2, Column: 3, Message: "first"},
	}
	got := r.err().Error()
	want := "c.yaml:2:3: first\nc.yaml:2:8: second\nc.yaml:9:1: last"
	if got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if (&parser{}).err() != nil {
		t.Error("err() with no problems is not nil")
	}
}

func TestClosest(t *testing.T) {
	known := []string{"script", "workdir", "checkpoint_dir", "job_name", "log", "ranks"}
	tests := []struct{ word, want string }{
		{"chekpoint_dir", "checkpoint_dir"},
		{"checkpoint-dir", "checkpoint_dir"},
		{"CheckpointDir", "checkpoint_dir"},
		{"Script", "script"},
		{"scirpt", "script"},
		{"jobname", "job_name"},
		{"logs", "log"},
		{"rank", "ranks"},
		{"colour", ""},
		{"xyz", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.word, known); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"same", "same", 0},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
