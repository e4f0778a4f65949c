package trainer

import (
	"slices"
	"testing"
)

func TestResumeArgs(t *testing.T) {
	tests := []struct {
		tmpl  []string
		step  int
		want  []string
		fresh []string
	}{
		{nil, 2000, []string{}, []string{}},
		{[]string{"{step}"}, 2000, []string{"2000"}, []string{}},
		{[]string{"--depth=20", "--resume-from-step={step}"}, 4000, []string{"--depth=20", "--resume-from-step=4000"}, []string{"--depth=20"}},
		{[]string{"{step}-{step}", "x"}, 7, []string{"7-7", "x"}, []string{"x"}},
		{[]string{"{STEP}", "{ step }"}, 7, []string{"{STEP}", "{ step }"}, []string{"{STEP}", "{ step }"}},
	}
	for _, tt := range tests {
		orig := slices.Clone(tt.tmpl)
		if got := ResumeArgs(tt.tmpl, tt.step); !slices.Equal(got, tt.want) {
			t.Errorf("ResumeArgs(%q, %d) = %q, want %q", tt.tmpl, tt.step, got, tt.want)
		}
		if got := FreshArgs(tt.tmpl); !slices.Equal(got, tt.fresh) {
			t.Errorf("FreshArgs(%q) = %q, want %q", tt.tmpl, got, tt.fresh)
		}
		if !slices.Equal(tt.tmpl, orig) {
			t.Errorf("template modified: %q, want %q", tt.tmpl, orig)
		}
	}
}
