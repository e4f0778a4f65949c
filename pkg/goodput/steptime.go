package goodput

import (
	"bytes"
	"regexp"
	"strconv"
	"time"
)

// maxSamples bounds the step durations a StepMeter keeps: the median of
// the most recent ones, so that a long log costs constant memory and a
// run whose speed changed (new node, other GPU) is measured as it is now.
const maxSamples = 256

// StepMeter measures training steps from a nanochat log as it is written
// to it (an io.Writer, so it can sit behind an io.TeeReader beside the
// log's other parser). It reads the progress lines
//
//	step 02001/21400 (9.35%) | loss: 2.912345 | lrm: 1.00 | dt: 412.33ms | ...
//
// and keeps the first and last step printed and the recent dt values.
// The zero value is ready to use.
type StepMeter struct {
	partial []byte
	stats   StepStats
	samples []time.Duration // ring of the last maxSamples dt values
	next    int
}

// StepStats is what a StepMeter measured.
type StepStats struct {
	// FirstStep and LastStep are the lowest and highest N of "step N/T";
	// -1 when the log has none. A line "step N" is printed after step N
	// was trained: the model then holds N+1 steps.
	FirstStep int `json:"first_step"`
	LastStep  int `json:"last_step"`
	// Lines counts the progress lines read.
	Lines int `json:"lines"`
	// StepTime is the median dt of the recent progress lines (0 when no
	// line carried one).
	StepTime time.Duration `json:"step_time,omitempty"`
}

// Write feeds log bytes; it never fails.
func (m *StepMeter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			m.partial = append(m.partial, p...)
			// A line without an end longer than any progress line is
			// not one; drop it rather than grow without bound.
			if len(m.partial) > 4096 {
				m.partial = m.partial[:0]
			}
			break
		}
		line := p[:i]
		if len(m.partial) > 0 {
			line = append(m.partial, line...)
			m.partial = m.partial[:0]
		}
		m.line(line)
		p = p[i+1:]
	}
	return n, nil
}

// Reset forgets everything measured, for a log that starts over.
func (m *StepMeter) Reset() { *m = StepMeter{} }

// Stats returns what was measured so far. An unterminated last line is
// not counted: it may be cut short.
func (m *StepMeter) Stats() StepStats {
	s := m.stats
	if m.stats.Lines == 0 {
		s.FirstStep, s.LastStep = -1, -1
	}
	s.StepTime = Median(m.samples)
	return s
}

var (
	keyProgress = []byte("step ")
	keyDT       = []byte("dt: ")
)

func (m *StepMeter) line(line []byte) {
	line = stripANSI(line)
	k := bytes.Index(line, keyProgress)
	if k < 0 {
		return
	}
	rest := line[k+len(keyProgress):]
	step, rest, ok := leadingInt(rest)
	if !ok || len(rest) == 0 || rest[0] != '/' {
		return
	}
	if _, _, ok := leadingInt(rest[1:]); !ok {
		return
	}
	if m.stats.Lines == 0 || step < m.stats.FirstStep {
		m.stats.FirstStep = step
	}
	if m.stats.Lines == 0 || step > m.stats.LastStep {
		m.stats.LastStep = step
	}
	m.stats.Lines++
	if d, ok := parseDT(rest); ok {
		m.addSample(d)
	}
}

// parseDT reads "dt: 412.33ms" (or "s") from the rest of a progress line.
func parseDT(rest []byte) (time.Duration, bool) {
	k := bytes.Index(rest, keyDT)
	if k < 0 {
		return 0, false
	}
	rest = rest[k+len(keyDT):]
	end := 0
	for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == '.') {
		end++
	}
	v, err := strconv.ParseFloat(string(rest[:end]), 64)
	if err != nil || v < 0 || v > 1e9 {
		return 0, false
	}
	unit := rest[end:]
	switch {
	case bytes.HasPrefix(unit, []byte("ms")):
		return time.Duration(v * float64(time.Millisecond)), true
	case bytes.HasPrefix(unit, []byte("s")):
		return time.Duration(v * float64(time.Second)), true
	}
	return 0, false
}

func (m *StepMeter) addSample(d time.Duration) {
	if len(m.samples) < maxSamples {
		m.samples = append(m.samples, d)
		return
	}
	m.samples[m.next] = d
	m.next = (m.next + 1) % maxSamples
}

// leadingInt reads the decimal number at the start of b.
func leadingInt(b []byte) (int, []byte, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return 0, b, false
	}
	n, err := strconv.Atoi(string(b[:i]))
	return n, b[i:], err == nil
}

// csi matches a CSI sequence ("\x1b[1;32m"), or its start cut off by the
// end of the line.
var csi = regexp.MustCompile(`\x1b\[[^\x40-\x7e]*[\x40-\x7e]?`)

// stripANSI removes CSI sequences: nanochat colours some lines, and a
// colour code between "step" and the number hides the step.
func stripANSI(b []byte) []byte {
	if bytes.IndexByte(b, 0x1b) < 0 {
		return b
	}
	return csi.ReplaceAll(b, nil)
}
