package main

import (
	"strings"
	"testing"
)

// TestPrintReportEscapes: text from Slurm (states, node lists) is printed
// escaped, so that it cannot recolour the terminal or fake a column.
func TestPrintReportEscapes(t *testing.T) {
	var b strings.Builder
	printReport(&b, runReport{Run: "d20", Jobs: []reportJob{{JobID: "7", State: "TIMEOUT\t1", NodeList: "gpu\x1b[31m07\nx"}}})
	out := b.String()
	if strings.ContainsAny(out, "\x1b") || !strings.Contains(out, `gpu\x1b[31m07\nx`) || !strings.Contains(out, `TIMEOUT\t1`) {
		t.Errorf("got %q, want the node list and state escaped", out)
	}
}
