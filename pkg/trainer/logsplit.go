package trainer

import "bytes"

// MaxLineBytes bounds how much of a single log line is kept. Longer lines
// (a dumped tensor, binary junk) are cut to their first MaxLineBytes bytes;
// the rest is skipped so memory stays bounded whatever the log holds.
const MaxLineBytes = 256 << 10

// Write cuts the stream, fed in arbitrary chunks, into lines and hands
// every complete one to handleLine; it never fails. Both '\n' and '\r' end
// a line: tqdm-style progress bars rewrite one terminal line with '\r' and
// never print '\n', so a file can hold megabytes of them on a single
// "line". A trailing piece without a line end is kept as pending until the
// next Write.
func (p *logParser) Write(b []byte) (int, error) {
	start := 0
	nl, cr := indexFrom(b, 0, '\n'), indexFrom(b, 0, '\r')
	for {
		end, isNL := nl, true
		if cr >= 0 && (nl < 0 || cr < nl) {
			end, isNL = cr, false
		}
		if end < 0 {
			p.hold(b[start:])
			return len(b), nil
		}
		seg := b[start:end]
		if len(p.pending) > 0 || p.truncated {
			p.hold(seg)
			seg = p.pending
		}
		p.handleLine(seg[:min(len(seg), MaxLineBytes)])
		p.pending, p.truncated = p.pending[:0], false
		if isNL {
			nl = indexFrom(b, end+1, '\n')
		} else {
			cr = indexFrom(b, end+1, '\r')
		}
		start = end + 1
	}
}

// hold appends b to the pending line, up to MaxLineBytes.
func (p *logParser) hold(b []byte) {
	room := MaxLineBytes - len(p.pending)
	if len(b) > room {
		b = b[:room]
		p.truncated = true
	}
	p.pending = append(p.pending, b...)
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
