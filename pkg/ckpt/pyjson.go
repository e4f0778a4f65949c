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
// encoding/json keeps verbatim as json.Number. nonFinite maps them back.
const (
	posInfLiteral = "1e99999"
	negInfLiteral = "-1e99999"
	nanLiteral    = "0e99999"
)

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
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out = append(out, c)
			continue
		}
		switch {
		case c == '"':
			inString = true
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out = append(out, negInfLiteral...)
			i += len("-Infinity") - 1
			continue
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out = append(out, posInfLiteral...)
			i += len("Infinity") - 1
			continue
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out = append(out, nanLiteral...)
			i += len("NaN") - 1
			continue
		}
		out = append(out, c)
	}
	return out
}

// numberValue converts a JSON number literal, including the rewritten
// non-finite ones, to a float64.
func numberValue(lit string) (float64, error) {
	switch lit {
	case posInfLiteral:
		return math.Inf(1), nil
	case negInfLiteral:
		return math.Inf(-1), nil
	case nanLiteral:
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Out of range: ParseFloat returns ±Inf or ±0, as Python would read it.
		return f, nil
	}
	return f, err
}
