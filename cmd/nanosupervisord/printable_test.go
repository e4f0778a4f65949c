package main

import (
	"bytes"
	"testing"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain d20|ckpt /home/a b\\c ünï", "plain d20|ckpt /home/a b\\c ünï"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\a`},
		{"line\nfake line\tcell\r", `line\nfake line\tcell\r`},
		{"del\x7f c1\u009b2J nel\u0085", `del\x7f c1\u009b2J nel\u0085`},
		{"bad \x9b\xff utf8", `bad \x9b\xff utf8`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrintLines(t *testing.T) {
	var b bytes.Buffer
	printLines(&b, "f.yaml:1:1: a \x1b[2J\nf.yaml:2:1: b\n")
	if want := "f.yaml:1:1: a \\x1b[2J\nf.yaml:2:1: b\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
