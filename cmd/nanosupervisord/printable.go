package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"
)

// printable makes text from outside this program (Slurm's stderr, job
// names and states, paths, config values) safe to print on a terminal:
// every control character (C0 with tabs and newlines, DEL, C1) is written
// as its Go escape ("\x1b", "\n", "\u009b") and every byte that is not
// UTF-8 as "\xNN", so that an ESC sequence cannot recolour the terminal nor
// a newline or tab fake a line or column. Other text, a backslash
// included, is left as it is. JSON output must stay exact: never here.
func printable(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needsEscape reports the runes printable rewrites; invalid UTF-8 reads
// as utf8.RuneError.
func needsEscape(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }

// printLines prints text, which may hold several lines of its own (an
// error listing every config problem), one printable line at a time.
func printLines(w io.Writer, text string) {
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintln(w, printable(line))
	}
}

// newTable starts a table under header; Flush prints it.
func newTable(w io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

// writeJSON prints v as the --json output of a read verb: indented, exact
// (no escaping of outside text beyond JSON's own).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
