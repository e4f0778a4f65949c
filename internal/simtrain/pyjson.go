package simtrain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Python's json.dump writes non-finite floats as the bare words Infinity,
// -Infinity and NaN, which encoding/json neither writes nor reads. PyFloat
// travels through encoding/json as a sentinel string that encodePython swaps
// for the bare word after encoding and replaceNonFinite swaps in before
// decoding. The NUL byte keeps the sentinel from matching any real string.
const sentinelPrefix = "\x00pyfloat:"

func sentinelJSON(word string) []byte {
	b, _ := json.Marshal(sentinelPrefix + word) // a string always marshals
	return b
}

// PyFloat is a float64 that is written the way Python's json.dump writes a
// float: repr() digits ("7100.0", "1e-05"), and bare Infinity/-Infinity/NaN.
type PyFloat float64

// MarshalJSON writes Python's repr of the float; non-finite values become a
// sentinel that encodePython replaces.
func (f PyFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if word, ok := nonFiniteWord(v); ok {
		return sentinelJSON(word), nil
	}
	return []byte(pythonRepr(v)), nil
}

// UnmarshalJSON accepts a JSON number or a sentinel left by replaceNonFinite.
func (f *PyFloat) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		word, ok := strings.CutPrefix(s, sentinelPrefix)
		if !ok {
			return fmt.Errorf("float expected, got string %q", s)
		}
		switch word {
		case "Infinity":
			*f = PyFloat(math.Inf(1))
		case "-Infinity":
			*f = PyFloat(math.Inf(-1))
		default:
			*f = PyFloat(math.NaN())
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("float expected, got %s", data)
	}
	*f = PyFloat(v)
	return nil
}

func nonFiniteWord(v float64) (string, bool) {
	switch {
	case math.IsInf(v, 1):
		return "Infinity", true
	case math.IsInf(v, -1):
		return "-Infinity", true
	case math.IsNaN(v):
		return "NaN", true
	}
	return "", false
}

// pythonRepr formats a finite float like Python's repr: the shortest digits
// that round-trip, positional notation for exponents -4..15 with at least one
// digit after the point, scientific notation otherwise.
func pythonRepr(v float64) string {
	sci := strconv.FormatFloat(v, 'e', -1, 64) // e.g. "-1.2345e+03"
	mant, expStr, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		return mant + "e" + expStr[:1] + fmt.Sprintf("%02d", abs(exp))
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// encodePython marshals v with two-space indentation, as json.dump(indent=2)
// does, and writes non-finite PyFloats as bare words.
func encodePython(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	for _, word := range nonFiniteWords {
		out = bytes.ReplaceAll(out, sentinelJSON(word), []byte(word))
	}
	return out, nil
}

// decodePython unmarshals JSON that may hold Python's bare Infinity,
// -Infinity and NaN outside strings, as nanochat's meta files can.
func decodePython(data []byte, v any) error {
	return json.Unmarshal(replaceNonFinite(data), v)
}

// replaceNonFinite swaps bare non-finite words outside strings for sentinel
// strings. It does not validate: json.Unmarshal does that afterwards, and a
// malformed input stays malformed.
func replaceNonFinite(data []byte) []byte {
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		b := data[i]
		if inString {
			out.WriteByte(b)
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		if b == '"' {
			inString = true
			out.WriteByte(b)
			continue
		}
		if word := nonFiniteAt(data[i:]); word != "" {
			out.Write(sentinelJSON(word))
			i += len(word) - 1
			continue
		}
		out.WriteByte(b)
	}
	return out.Bytes()
}

// nonFiniteWords lists -Infinity before Infinity so that the longer word wins.
var nonFiniteWords = []string{"-Infinity", "Infinity", "NaN"}

func nonFiniteAt(rest []byte) string {
	for _, word := range nonFiniteWords {
		if bytes.HasPrefix(rest, []byte(word)) {
			return word
		}
	}
	return ""
}
