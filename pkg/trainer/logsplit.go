package trainer

import "bytes"

// MaxLineBytes bounds how much of a single log line is kept. Longer lines
// (a dumped tensor, binary junk) are cut to their first MaxLineBytes bytes;
// the rest is skipped so memory stays bounded whatever the log holds.
const MaxLineBytes = 256 << 10

// lineSplitter cuts a byte stream, fed in arbitrary chunks, into lines.
// Both '\n' and '\r' end a line: tqdm-style progress bars rewrite one
// terminal line with '\r' and never print '\n', so a file can hold megabytes
// of them on a single "line". Line numbers count '\n' only, so they match
// what an editor shows; the pieces between '\r's share one number.
type lineSplitter struct {
	pending   []byte // start of a line whose end has not been fed yet
	truncated bool   // pending hit MaxLineBytes; the rest of the line is dropped
	line      int    // 1-based number of the line being read
	emit      func(seg []byte, line int)
}

// feed splits p into lines and hands every complete one to emit. A trailing
// piece without a line end is kept until the next feed or flush.
func (s *lineSplitter) feed(p []byte) {
	start := 0
	nl, cr := indexFrom(p, 0, '\n'), indexFrom(p, 0, '\r')
	for {
		end, isNL := nl, true
		if cr >= 0 && (nl < 0 || cr < nl) {
			end, isNL = cr, false
		}
		if end < 0 {
			s.hold(p[start:])
			return
		}
		seg := p[start:end]
		if len(s.pending) > 0 || s.truncated {
			s.hold(seg)
			seg = s.pending
		}
		s.emit(seg[:min(len(seg), MaxLineBytes)], s.line)
		s.pending, s.truncated = s.pending[:0], false
		if isNL {
			s.line++
			nl = indexFrom(p, end+1, '\n')
		} else {
			cr = indexFrom(p, end+1, '\r')
		}
		start = end + 1
	}
}

// partial returns the unterminated last line, if any.
func (s *lineSplitter) partial() ([]byte, bool) {
	return s.pending, len(s.pending) > 0 || s.truncated
}

// hold appends b to the pending line, up to MaxLineBytes.
func (s *lineSplitter) hold(b []byte) {
	room := MaxLineBytes - len(s.pending)
	if len(b) > room {
		b = b[:room]
		s.truncated = true
	}
	s.pending = append(s.pending, b...)
}

// indexFrom is bytes.IndexByte starting at from, returning an index into p.
func indexFrom(p []byte, from int, c byte) int {
	if i := bytes.IndexByte(p[from:], c); i >= 0 {
		return from + i
	}
	return -1
}

// stripANSI appends src to dst without terminal escape sequences: colour
// codes (CSI, "\x1b[1;32m"), cursor movement, OSC titles and character-set
// switches. Python loggers and tqdm colour their output; the parser must see
// the text a human sees.
func stripANSI(dst, src []byte) []byte {
	// Once a string sequence (OSC, DCS, ...) is found without terminator,
	// none follows anywhere in the line: later ones need no search, which
	// keeps a line full of stray "\x1b]" linear instead of quadratic.
	noTerminator := false
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], 0x1b)
		if j < 0 {
			return append(dst, src[i:]...)
		}
		dst = append(dst, src[i:i+j]...)
		i, noTerminator = skipEscape(src, i+j, noTerminator)
	}
	return dst
}

// skipEscape returns the index just past the escape sequence starting at
// b[i] (which is ESC), following ECMA-48. An unterminated string sequence
// loses only its introducer, so no ordinary text is swallowed; the second
// result reports that no string terminator remains in b.
func skipEscape(b []byte, i int, noTerminator bool) (int, bool) {
	if i+1 >= len(b) {
		return i + 1, noTerminator
	}
	switch b[i+1] {
	case '[': // CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E
		j := i + 2
		for j < len(b) && b[j] >= 0x20 && b[j] <= 0x3F {
			j++
		}
		if j < len(b) && b[j] >= 0x40 && b[j] <= 0x7E {
			j++
		}
		return j, noTerminator
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: end with BEL or ST
		if noTerminator {
			return i + 2, true
		}
		for j := i + 2; j < len(b); j++ {
			if b[j] == 0x07 {
				return j + 1, false
			}
			if b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\' {
				return j + 2, false
			}
		}
		return i + 2, true
	default: // nF (ESC ( B) and single-character escapes (ESC 7, ESC M)
		j := i + 1
		for j < len(b) && b[j] >= 0x20 && b[j] <= 0x2F {
			j++
		}
		if j < len(b) && b[j] >= 0x30 && b[j] <= 0x7E {
			j++
		}
		return j, noTerminator
	}
}
