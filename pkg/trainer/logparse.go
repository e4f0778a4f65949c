package trainer

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// Point is one evaluation of a metric at a training step.
type Point struct {
	Step  int     `json:"step"`
	Value float64 `json:"value"`
}

// LogSummary is what a nanochat training log says about its run.
type LogSummary struct {
	ValBPB []Point // every "Step N | Validation bpb: X", in log order
	Core   []Point // every "Step N | CORE metric: X", in log order

	LastStep     int // highest N of "step N/T (...)"; -1 when no such line
	PlannedTotal int // T of the last "step N/T" line (num_iterations); 0 when none
	ResumedFrom  int // S of the last "Resuming optimization from step S"; -1 none

	// Finished is set when an end-of-run line ("Total training time: ..."
	// or "Minimum validation bpb: ...") follows the last step or resume
	// line. nanochat prints both only after its final step; Minimum is
	// missing when evaluation is off, so either one is enough. A later step
	// line (another job appending to the same file) clears it again.
	Finished bool

	Hints []string // failure hints (Hint* constants), deduplicated, first appearance first

	// LastLines holds the last non-empty lines (at most MaxLastLines, each
	// cut to MaxEvidenceBytes), ANSI codes removed: evidence for a human.
	LastLines []string
}

// Limits on the evidence a summary carries, so one pathological log cannot
// bloat the supervisor's journal.
const (
	MaxLastLines     = 20
	MaxEvidenceBytes = 512
)

// logParser accumulates a LogSummary from a stream fed in chunks (Write).
// Lines end at '\n' or '\r'; ANSI escape sequences are removed first;
// lines longer than MaxLineBytes are cut. A last line without a line end
// is only used as evidence (hints, LastLines), never for metrics or
// progress: Python always ends a print with '\n', so an unterminated line
// was cut off by a kill or is still being written, and "0.8" may be the
// start of "0.812".
type logParser struct {
	pending   []byte // start of a line whose end has not been fed yet
	truncated bool   // pending hit MaxLineBytes; the rest of the line is dropped

	sum     LogSummary
	last    [MaxLastLines][]byte // ring of the last non-empty lines
	lastN   int                  // lines written to the ring so far
	scratch []byte               // line without ANSI codes
}

func newLogParser() *logParser {
	return &logParser{sum: LogSummary{LastStep: -1, ResumedFrom: -1}}
}

// summary returns the summary of everything fed so far, with slices the
// caller may keep. The evidence in an unterminated last line (hints, last
// lines) is included without consuming that line.
func (p *logParser) summary() LogSummary {
	s := p.sum
	s.ValBPB = slices.Clone(p.sum.ValBPB)
	s.Core = slices.Clone(p.sum.Core)
	s.Hints = slices.Clone(p.sum.Hints)
	n := min(p.lastN, MaxLastLines)
	s.LastLines = make([]string, 0, n+1)
	for i := p.lastN - n; i < p.lastN; i++ {
		s.LastLines = append(s.LastLines, string(p.last[i%MaxLastLines]))
	}
	if len(p.pending) > 0 || p.truncated {
		if line := p.clean(p.pending); len(line) > 0 {
			s.LastLines = append(s.LastLines, string(cutEvidence(line)))
			s.LastLines = s.LastLines[max(len(s.LastLines)-MaxLastLines, 0):]
			var has byteSet
			has.fill(line)
			lineHints(line, &has, s.addHint)
		}
	}
	return s
}

// clean removes ANSI codes and surrounding blanks from a line.
func (p *logParser) clean(seg []byte) []byte {
	if bytes.IndexByte(seg, 0x1b) >= 0 {
		p.scratch = stripANSI(p.scratch[:0], seg)
		seg = p.scratch
	}
	return bytes.TrimSpace(seg)
}

// handleLine interprets one complete line of the log.
func (p *logParser) handleLine(seg []byte) {
	line := p.clean(seg)
	if len(line) == 0 {
		return
	}
	p.remember(line)
	var has byteSet
	has.fill(line)
	lineHints(line, &has, p.sum.addHint)
	p.readMetrics(line, &has)
}

func (s *LogSummary) addHint(h string) {
	if !slices.Contains(s.Hints, h) {
		s.Hints = append(s.Hints, h)
	}
}

// remember puts line into the ring of last lines, reusing its buffers.
func (p *logParser) remember(line []byte) {
	i := p.lastN % MaxLastLines
	p.last[i] = append(p.last[i][:0], cutEvidence(line)...)
	p.lastN++
}

// cutEvidence shortens line to MaxEvidenceBytes without splitting a UTF-8
// character. Bytes that are no valid UTF-8 are cut anywhere.
func cutEvidence(line []byte) []byte {
	if len(line) <= MaxEvidenceBytes {
		return line
	}
	for cut := MaxEvidenceBytes; cut > MaxEvidenceBytes-utf8.UTFMax; cut-- {
		if utf8.RuneStart(line[cut]) {
			return line[:cut]
		}
	}
	return line[:MaxEvidenceBytes]
}
