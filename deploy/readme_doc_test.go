package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readme is README.md as the walk-through reads it: its code blocks, its
// inline code spans and its prose, so that the test takes the commands
// from the document instead of repeating them.
type readme struct {
	text   string
	prose  string // the text outside code blocks
	blocks []codeBlock
}

type codeBlock struct {
	lang   string // the word after the opening fence: sh, yaml, or ""
	indent string // the opening fence's indentation, left out of text
	line   int    // line of the opening fence, for messages
	text   string
}

func readReadme(t *testing.T) readme {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	r := readme{text: string(b)}
	var cur *codeBlock
	for i, line := range strings.Split(r.text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			indent := line[:strings.Index(line, "```")]
			cur = &codeBlock{lang: strings.TrimPrefix(trimmed, "```"), indent: indent, line: i + 1}
		case cur != nil && trimmed == "```":
			r.blocks = append(r.blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += strings.TrimPrefix(line, cur.indent) + "\n"
		default:
			r.prose += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: code block never closed", cur.line)
	}
	return r
}

// block returns the only code block of the language that contains marker.
func (r readme) block(t *testing.T, lang, marker string) codeBlock {
	t.Helper()
	var found []codeBlock
	for _, b := range r.blocks {
		if b.lang == lang && strings.Contains(b.text, marker) {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("README.md has %d ```%s blocks containing %q; the walk-through follows exactly one", len(found), lang, marker)
	}
	return found[0]
}

// step is one line of a shell block: the command and its trailing comment.
type step struct {
	cmd, comment string
}

// steps splits a shell block into its commands, dropping blank lines and
// whole-line comments. A comment starts at a # after blanks.
func (b codeBlock) steps() []step {
	var out []step
	for _, line := range strings.Split(b.text, "\n") {
		cmd, comment := line, ""
		if i := strings.Index(line, " #"); i >= 0 {
			cmd, comment = line[:i], strings.TrimSpace(line[i+2:])
		}
		cmd = strings.TrimSpace(cmd)
		if cmd == "" || strings.HasPrefix(cmd, "#") {
			continue
		}
		out = append(out, step{cmd: cmd, comment: comment})
	}
	return out
}

// A span may cross a line break, as in Markdown.
var codeSpan = regexp.MustCompile("`([^`]+)`")

// code returns every piece of code the README shows: the lines of its
// code blocks and its inline code spans (from the prose outside blocks).
func (r readme) code() []string {
	var out []string
	for _, b := range r.blocks {
		out = append(out, strings.Split(b.text, "\n")...)
	}
	for _, m := range codeSpan.FindAllStringSubmatch(r.prose, -1) {
		out = append(out, strings.Join(strings.Fields(m[1]), " "))
	}
	return out
}

// section returns the text from the heading to the next heading of the
// same or a higher level.
func (r readme) section(t *testing.T, heading string) string {
	t.Helper()
	level := strings.Index(heading, " ")
	_, after, ok := strings.Cut(r.text, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no heading %q", heading)
	}
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "#") {
			if n := strings.Index(line, " "); n > 0 && n <= level && strings.Trim(line[:n], "#") == "" {
				return after[:strings.Index(after, "\n"+line)]
			}
		}
	}
	return after
}

// exitCodes reads the README's table of exit codes: meaning by code.
func (r readme) exitCodes(t *testing.T) map[string]string {
	t.Helper()
	codes := map[string]string{}
	row := regexp.MustCompile(`(?m)^\| (\d) \| (.+) \|$`)
	for _, m := range row.FindAllStringSubmatch(r.section(t, "### Exit codes"), -1) {
		codes[m[1]] = m[2]
	}
	return codes
}

// exitCode returns the code whose meaning in the README's table contains
// words.
func (r readme) exitCode(t *testing.T, words string) int {
	t.Helper()
	for code, meaning := range r.exitCodes(t) {
		if strings.Contains(meaning, words) {
			return int(code[0] - '0')
		}
	}
	t.Fatalf("README.md's exit-code table has no code for %q", words)
	return -1
}

// says reports whether the README's prose contains phrase, however the
// lines are wrapped.
func (r readme) says(phrase string) bool {
	return strings.Contains(strings.Join(strings.Fields(r.prose), " "), strings.Join(strings.Fields(phrase), " "))
}
