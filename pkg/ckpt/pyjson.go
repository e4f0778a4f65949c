package ckpt

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// Python's json.dump writes non-finite floats as the bare words Infinity,
// -Infinity and NaN, which encoding/json rejects. They are rewritten, outside
// string literals, into number literals that Python never writes (it spells
// these values as words, never with a 99999 exponent) and that
// encoding/json keeps verbatim as json.Number. numberValue maps them back.
// "-Infinity" comes before "Infinity", which it contains.
var pythonWords = []struct {
	word, literal string
	value         float64
}{
	{"-Infinity", "-1e99999", math.Inf(-1)},
	{"Infinity", "1e99999", math.Inf(1)},
	{"NaN", "0e99999", math.NaN()},
}

// rewritePythonJSON returns data with Python's non-finite words replaced by
// the literals above. Words inside strings, and escaped quotes inside
// strings, are left alone. Anything else is copied unchanged for
// encoding/json to judge.
func rewritePythonJSON(data []byte) []byte {
	if !bytes.Contains(data, []byte("Infinity")) && !bytes.Contains(data, []byte("NaN")) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	inString, escaped := false, false
next:
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString:
			for _, w := range pythonWords {
				if bytes.HasPrefix(data[i:], []byte(w.word)) {
					out = append(out, w.literal...)
					i += len(w.word) - 1
					continue next
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// numberValue converts a JSON number literal, including the rewritten
// non-finite ones, to a float64.
func numberValue(lit string) (float64, error) {
	for _, w := range pythonWords {
		if lit == w.literal {
			return w.value, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Out of range: ParseFloat returns ±Inf or ±0, as Python would read it.
		return f, nil
	}
	return f, err
}
