package config

import (
	"strings"
	"testing"
)

func parseString(t *testing.T, s string) *Config {
	t.Helper()
	c, err := ParseWithEnv([]byte(s), "/cfg/config.yaml", envOf(map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const diffBase = `runs:
  d20:
    script: /s20.sh
    checkpoint_dir: /c/d20
    targets: {val_bpb: 0.75}
  d24:
    script: /s24.sh
    checkpoint_dir: /c/d24
    targets: {val_bpb: 0.72}
  d26:
    script: /s26.sh
    checkpoint_dir: /c/d26
    targets: {val_bpb: 0.70}
`

func TestDiff(t *testing.T) {
	old := parseString(t, diffBase)
	tests := []struct {
		name                    string
		edit                    func(string) string
		added, removed, changed []string
	}{
		{name: "identical", edit: func(s string) string { return s }},
		{
			name: "comments and key order do not count",
			edit: func(s string) string {
				return "# a comment\n" + strings.Replace(s, "    script: /s20.sh\n    checkpoint_dir: /c/d20\n", "    checkpoint_dir: /c/d20 # moved\n    script: /s20.sh\n", 1)
			},
		},
		{
			name:  "run added",
			edit:  func(s string) string { return s + "  d32:\n    script: /s32.sh\n    checkpoint_dir: /c/d32\n" },
			added: []string{"d32"},
		},
		{
			name: "run removed",
			edit: func(s string) string {
				return strings.Replace(s, "  d26:\n    script: /s26.sh\n    checkpoint_dir: /c/d26\n    targets: {val_bpb: 0.70}\n", "", 1)
			},
			removed: []string{"d26"},
		},
		{
			name: "target changed, run paused",
			edit: func(s string) string {
				return strings.Replace(strings.Replace(s, "0.72", "0.71", 1), "/s20.sh\n", "/s20.sh\n    paused: true\n", 1)
			},
			changed: []string{"d20", "d24"},
		},
		{
			name: "global prune reaches no run by itself",
			edit: func(s string) string { return s + "prune: {keep_last: 3}\n" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			added, removed, changed := parseString(t, tt.edit(diffBase)).Diff(old)
			checkSlice(t, "added", added, tt.added)
			checkSlice(t, "removed", removed, tt.removed)
			checkSlice(t, "changed", changed, tt.changed)
		})
	}
}

func TestDiffFromNothing(t *testing.T) {
	added, removed, changed := parseString(t, diffBase).Diff(nil)
	checkSlice(t, "added", added, []string{"d20", "d24", "d26"})
	checkSlice(t, "removed", removed, nil)
	checkSlice(t, "changed", changed, nil)
}

func TestEqual(t *testing.T) {
	a := parseString(t, diffBase)
	b := parseString(t, "# reformatted\n"+diffBase)
	b.Path, b.Warnings = "/elsewhere.yaml", []string{"a warning"}
	check(t, "Equal(same settings)", a.Equal(b), true)
	check(t, "Equal(global prune added)", a.Equal(parseString(t, diffBase+"prune: {keep_last: 3}\n")), false)
	check(t, "Equal(poll_interval changed)", a.Equal(parseString(t, "poll_interval: 5m\n"+diffBase)), false)
	check(t, "Equal(nil)", a.Equal(nil), false)
	check(t, "nil.Equal(nil)", (*Config)(nil).Equal(nil), true)
}
