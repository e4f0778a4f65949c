package plot

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// svgBuffer accumulates SVG markup. Every attribute value and every text
// node goes through encoding/xml's escaping, which also replaces
// characters XML cannot carry, so run names and job ids from anywhere
// cannot break the document.
type svgBuffer struct {
	b bytes.Buffer
}

// open writes a start tag; attrs alternate names and values.
func (s *svgBuffer) open(name string, attrs ...string) { s.tag(name, attrs, ">\n") }

func (s *svgBuffer) close(name string) { s.b.WriteString("</" + name + ">\n") }

// empty writes a self-closing element.
func (s *svgBuffer) empty(name string, attrs ...string) { s.tag(name, attrs, "/>\n") }

// text writes an element whose content is escaped text.
func (s *svgBuffer) text(name, content string, attrs ...string) {
	s.tag(name, attrs, ">")
	xml.EscapeText(&s.b, []byte(content)) // writes to a bytes.Buffer: cannot fail
	s.close(name)
}

func (s *svgBuffer) tag(name string, attrs []string, end string) {
	s.b.WriteByte('<')
	s.b.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		s.b.WriteByte(' ')
		s.b.WriteString(attrs[i])
		s.b.WriteString(`="`)
		xml.EscapeText(&s.b, []byte(attrs[i+1]))
		s.b.WriteByte('"')
	}
	s.b.WriteString(end)
}

// px formats a coordinate with one decimal: enough for a screen, and
// stable for golden files.
func px(v float64) string {
	return strconv.FormatFloat(v, 'f', 1, 64)
}
