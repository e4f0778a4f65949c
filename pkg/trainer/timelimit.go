package trainer

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// maxLimitPart bounds each number of a time limit so the sum cannot
// overflow; Slurm itself stores limits as 32-bit minutes.
const maxLimitPart = 1 << 31

// limitUnits gives the seconds each ':'-separated field of a time limit
// counts, by the number of fields, without and with a "D-" day prefix.
var limitUnits = map[bool][][]int64{
	false: {{60}, {60, 1}, {3600, 60, 1}},
	true:  {{3600}, {3600, 60}, {3600, 60, 1}},
}

// ParseTimeLimit reads a Slurm time limit as sbatch --time accepts it:
// "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS". The result
// is the limit Slurm enforces, which counts whole minutes: seconds are
// rounded up ("0:30" is one minute). "UNLIMITED", "INFINITE", "-1" and "0"
// mean no limit and yield 0.
func ParseTimeLimit(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "UNLIMITED", "INFINITE", "-1":
		return 0, nil
	}
	days, rest, hasDays := strings.Cut(s, "-")
	if !hasDays {
		days, rest = "0", s
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 3 {
		return 0, fmt.Errorf("time limit %q: too many fields", s)
	}
	units := append([]int64{24 * 3600}, limitUnits[hasDays][len(parts)-1]...)
	var total int64
	for i, p := range append([]string{days}, parts...) {
		n := digitsLen([]byte(p))
		if n == 0 || n != len(p) {
			return 0, fmt.Errorf("time limit %q: field %q is not a number", s, p)
		}
		v, ok := atoiDigits([]byte(p))
		if !ok || v > maxLimitPart {
			return 0, fmt.Errorf("time limit %q: field %q is too large", s, p)
		}
		total += int64(v) * units[i]
	}
	wholeMinutes := (total + 59) / 60
	if wholeMinutes > math.MaxInt64/int64(time.Minute) {
		return 0, fmt.Errorf("time limit %q: too large", s)
	}
	return time.Duration(wholeMinutes) * time.Minute, nil
}
