package slurm

import (
	"reflect"
	"testing"
)

func TestExpandHostlist(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"vm", []string{"vm"}},
		{"", nil},
		{"gpu[01-03,07]", []string{"gpu01", "gpu02", "gpu03", "gpu07"}},
		{"a1,b[2-3]", []string{"a1", "b2", "b3"}},
		{"r[1-2]-n[1-2]", []string{"r1-n1", "r1-n2", "r2-n1", "r2-n2"}},
		{"bad[x-y]", []string{"bad[x-y]"}},
	}
	for _, tt := range tests {
		if got := ExpandHostlist(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ExpandHostlist(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseSacctNodeList(t *testing.T) {
	out := rows("7|7|x|NODE_FAIL|0:0|||||||None|||gpu[01-02]\n8|8|y|PENDING|0:0|||||||None|||None assigned\n")
	got, err := ParseSacct([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].NodeList != "gpu[01-02]" || got[1].NodeList != "" {
		t.Errorf("NodeList = %q, %q; want gpu[01-02] and empty for None assigned", got[0].NodeList, got[1].NodeList)
	}
}

// A NodeList of nested ranges is cut at maxHostlist while it is expanded,
// not after: "a[1-4096]b[1-4096]" would otherwise build 16.7 million names.
func TestExpandHostlistBoundsNestedRanges(t *testing.T) {
	in := "a[1-4096]b[1-4096]c[1-4096]"
	var got []string
	allocs := testing.AllocsPerRun(1, func() { got = ExpandHostlist(in) })
	if len(got) != maxHostlist || got[0] != "a1b1c1" || got[maxHostlist-1] != "a1b1c4096" {
		t.Fatalf("ExpandHostlist(%q): %d names, first %q, last %q; want %d from a1b1c1 to a1b1c4096",
			in, len(got), got[0], got[len(got)-1], maxHostlist)
	}
	if allocs > 10*maxHostlist {
		t.Errorf("ExpandHostlist(%q) allocated %.0f times; want at most %d", in, allocs, 10*maxHostlist)
	}
	if got := ExpandHostlist("x[1-3],y[1-4096]"); len(got) != maxHostlist || got[3] != "y1" {
		t.Errorf("a later item fills what is left of the bound: %d names, got[3] = %q", len(got), got[3])
	}
}
