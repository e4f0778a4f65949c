package quota

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Left is what Parse read from a quota command's output.
type Left struct {
	// Bytes the user may still write; meaningful only when Limited.
	Bytes int64
	// Limited is false when the output shows no limit at all (every quota
	// and limit 0): then the filesystem's free space is the only bound.
	Limited bool
}

// ErrUnrecognised is wrapped by Parse for output in no layout it knows.
var ErrUnrecognised = errors.New("no lfs quota table and no \"N <unit> available\" line")

// Parse reads the bytes left from a quota command's output (see the
// package documentation for the layouts).
func Parse(out []byte) (Left, error) {
	if left, ok, err := parseLfs(out); ok || err != nil {
		return left, err
	}
	if left, ok := parsePlain(out); ok {
		return left, nil
	}
	return Left{}, fmt.Errorf("%w: %q", ErrUnrecognised, excerpt(out))
}

// parseLfs reads the `lfs quota` table. ok is false when there is no
// table; err is set for a table whose rows cannot be read.
func parseLfs(out []byte) (left Left, ok bool, err error) {
	inTable, pending := false, ""
	rows := 0
	for line := range bytes.Lines(out) {
		text := strings.TrimRight(string(line), "\r\n")
		fields := strings.Fields(text)
		switch {
		case len(fields) == 0:
			continue
		case fields[0] == "Filesystem" && len(fields) >= 4:
			inTable, pending, ok = true, "", true
			continue
		case !inTable:
			continue
		case strings.HasPrefix(fields[0], "Disk") || strings.HasSuffix(text, ":"):
			// "Disk quotas for grp g (gid 5):" starts the next block.
			inTable, pending = false, ""
			continue
		}
		if len(fields) == 1 && pending == "" && !isQuotaNumber(fields[0]) {
			// A long filesystem name, its numbers on the next line.
			pending = fields[0]
			continue
		}
		if pending == "" {
			fields = fields[1:]
		}
		pending = ""
		if len(fields) < 3 || !isQuotaNumber(fields[0]) || !isQuotaNumber(fields[1]) || !isQuotaNumber(fields[2]) {
			// "uid 1000 is using default block quota setting" and
			// other notes between or after tables.
			continue
		}
		used, err1 := kib(fields[0])
		soft, err2 := kib(fields[1])
		hard, err3 := kib(fields[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return Left{}, true, fmt.Errorf("lfs quota row %q: %w", text, err)
		}
		rows++
		limit := cmp.Or(soft, hard)
		if limit == 0 {
			continue
		}
		room := max(limit-used, 0)
		if !left.Limited || room < left.Bytes {
			left = Left{Bytes: room, Limited: true}
		}
	}
	if ok && rows == 0 {
		return Left{}, true, fmt.Errorf("lfs quota table without a row: %q", excerpt(out))
	}
	return left, ok, nil
}

// isQuotaNumber: a value in an lfs quota row, such as 1024, 1024*,
// [1024], 9.537T or 0k.
func isQuotaNumber(s string) bool {
	s = strings.Trim(s, "[]*")
	return s != "" && (s[0] >= '0' && s[0] <= '9')
}

var lfsUnits = map[byte]float64{
	'k': 1, 'K': 1, 'm': 1 << 10, 'M': 1 << 10, 'g': 1 << 20, 'G': 1 << 20,
	't': 1 << 30, 'T': 1 << 30, 'p': 1 << 40, 'P': 1 << 40, 'e': 1 << 50, 'E': 1 << 50,
}

// kib turns one lfs quota value into bytes: plain numbers are KiB.
func kib(s string) (int64, error) {
	s = strings.Trim(s, "[]*")
	mult := 1.0
	if n := len(s); n > 0 {
		if m, ok := lfsUnits[s[n-1]]; ok {
			mult, s = m, s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("value %q is not a size", s)
	}
	return toBytes(v * mult * 1024)
}

var plainRE = regexp.MustCompile(`(?i)(?:^|[\s:=])([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]i?b?|b|bytes?)?\s+(?:available|left|free|remaining)\b`)

var plainUnits = map[string]float64{
	"": 1, "b": 1, "byte": 1, "bytes": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	"p": 1 << 50, "pib": 1 << 50, "pb": 1e15,
}

// parsePlain reads "N <unit> available" (or left, free, remaining), or a
// lone number meaning bytes.
func parsePlain(out []byte) (Left, bool) {
	text := strings.TrimSpace(string(out))
	if v, err := strconv.ParseInt(text, 10, 64); err == nil && v >= 0 {
		return Left{Bytes: v, Limited: true}, true
	}
	m := plainRE.FindStringSubmatch(text)
	if m == nil {
		return Left{}, false
	}
	// "kB" is decimal, "KB" would be read the same: the case of k says
	// nothing reliable, the i does.
	mult, ok := plainUnits[strings.ToLower(m[2])]
	v, err := strconv.ParseFloat(m[1], 64)
	if !ok || err != nil {
		return Left{}, false
	}
	n, err := toBytes(v * mult)
	if err != nil {
		return Left{}, false
	}
	return Left{Bytes: n, Limited: true}, true
}

func toBytes(v float64) (int64, error) {
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %g bytes is out of range", v)
	}
	return int64(v), nil
}

// excerpt is the start of out, for error messages.
func excerpt(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
