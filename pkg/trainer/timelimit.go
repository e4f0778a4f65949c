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
	var days, hours, minutes, seconds int64
	var err error
	if d, rest, ok := strings.Cut(s, "-"); ok {
		parts := strings.Split(rest, ":")
		if len(parts) > 3 {
			return 0, fmt.Errorf("time limit %q: too many fields", s)
		}
		fields := []*int64{&hours, &minutes, &seconds}
		err = limitParts(append([]string{d}, parts...), append([]*int64{&days}, fields[:len(parts)]...))
	} else {
		parts := strings.Split(s, ":")
		switch len(parts) {
		case 1:
			err = limitParts(parts, []*int64{&minutes})
		case 2:
			err = limitParts(parts, []*int64{&minutes, &seconds})
		case 3:
			err = limitParts(parts, []*int64{&hours, &minutes, &seconds})
		default:
			return 0, fmt.Errorf("time limit %q: too many fields", s)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("time limit %q: %w", s, err)
	}
	total := ((days*24+hours)*60+minutes)*60 + seconds
	wholeMinutes := (total + 59) / 60
	if wholeMinutes > math.MaxInt64/int64(time.Minute) {
		return 0, fmt.Errorf("time limit %q: too large", s)
	}
	return time.Duration(wholeMinutes) * time.Minute, nil
}

// limitParts parses each decimal field into its destination.
func limitParts(parts []string, dst []*int64) error {
	for i, p := range parts {
		n := digitsLen([]byte(p))
		if n == 0 || n != len(p) {
			return fmt.Errorf("field %q is not a number", p)
		}
		v, ok := atoiDigits([]byte(p))
		if !ok || v > maxLimitPart {
			return fmt.Errorf("field %q is too large", p)
		}
		*dst[i] = int64(v)
	}
	return nil
}
