package trainer

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseLogLongLines(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	log := "Traceback (most recent call last)" + long + "NCCL error\n" +
		"Step 00100 | Validation bpb: 0.9\n" + long + "\n" + "step 00101/00200 (50%)\n"
	got := parseString(t, log)
	if !samePoints(got.ValBPB, []Point{{100, 0.9}}) || got.LastStep != 101 {
		t.Errorf("ValBPB, LastStep = %v, %d, want [{100 0.9}], 101", got.ValBPB, got.LastStep)
	}
	// The start of an over-long line is read, its end beyond MaxLineBytes is not.
	if want := []string{HintPythonTraceback}; !slices.Equal(got.Hints, want) {
		t.Errorf("Hints = %q, want %q", got.Hints, want)
	}
	for _, l := range got.LastLines {
		if len(l) > MaxEvidenceBytes {
			t.Errorf("LastLines entry of %d bytes, want at most %d", len(l), MaxEvidenceBytes)
		}
	}
}

// Every way of cutting the input into reads must give the same summary.
func TestParseLogReadBoundaries(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "finished.log"))
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, "step 00061/00100 (1%)\r\n\x1b[31mNCCL WARN x\x1b[0m\r"...)
	want := parseString(t, string(data))
	readers := map[string]func() LogSummary{
		"one byte": func() LogSummary { s, _ := parseLog(iotest.OneByteReader(strings.NewReader(string(data)))); return s },
		"half":     func() LogSummary { s, _ := parseLog(iotest.HalfReader(strings.NewReader(string(data)))); return s },
		"data+EOF": func() LogSummary { s, _ := parseLog(iotest.DataErrReader(strings.NewReader(string(data)))); return s },
	}
	for name, read := range readers {
		if got := read(); !sameSummary(got, want) {
			t.Errorf("%s: summary differs:\n got %+v\nwant %+v", name, got, want)
		}
	}
}

func sameSummary(a, b LogSummary) bool {
	a2, b2 := a, b
	a2.ValBPB, b2.ValBPB, a2.Core, b2.Core = nil, nil, nil, nil
	return samePoints(a.ValBPB, b.ValBPB) && samePoints(a.Core, b.Core) && reflect.DeepEqual(a2, b2)
}

func TestCutEvidence(t *testing.T) {
	ascii := strings.Repeat("a", MaxEvidenceBytes+10)
	euro := strings.Repeat("a", MaxEvidenceBytes-1) + "€tail" // "€" is 3 bytes across the cut
	junk := "0" + strings.Repeat("\x94", MaxEvidenceBytes+10)
	tests := []struct {
		in   string
		want int
	}{
		{"short", 5},
		{ascii, MaxEvidenceBytes},
		{euro, MaxEvidenceBytes - 1},
		{junk, MaxEvidenceBytes},
	}
	for _, tt := range tests {
		if got := len(cutEvidence([]byte(tt.in))); got != tt.want {
			t.Errorf("len(cutEvidence(%.20q...)) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestStripANSI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[32m\x1b[1mINFO\x1b[0m - x", "INFO - x"},
		{"a\x1b[38;5;196mb\x1b[48;2;1;2;3mc", "abc"},
		{"\x1b[2K\x1b[1Gprogress", "progress"},
		{"\x1b]0;title\x07text", "text"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"\x1b(Bcharset\x1b7\x1b8", "charset"},
		{"unterminated \x1b]title", "unterminated title"},
		{"\x1b]x\x1b]y", "xy"},
		{"\x1b]a\x1b]b\x07c", "c"},
		{"trailing \x1b", "trailing "},
		{"trailing csi \x1b[12", "trailing csi "},
	}
	for _, tt := range tests {
		if got := string(stripANSI(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
