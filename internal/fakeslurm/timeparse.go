package fakeslurm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseTimeLimit parses an sbatch --time value into whole minutes, rounding
// seconds up as Slurm's time_str2mins does. 0 means no limit (UNLIMITED).
// Accepted: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED, INFINITE, -1.
func parseTimeLimit(s string) (int, error) {
	switch strings.ToUpper(s) {
	case "UNLIMITED", "INFINITE", "-1":
		return 0, nil
	}
	days, rest, hasDays := int64(0), s, false
	if i := strings.IndexByte(s, '-'); i >= 0 {
		hasDays = true
		d, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("invalid time limit %q", s)
		}
		days, rest = d, s[i+1:]
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 3 || rest == "" {
		return 0, fmt.Errorf("invalid time limit %q", s)
	}
	nums := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid time limit %q", s)
		}
		nums[i] = n
	}
	var secs int64
	switch {
	case hasDays: // D-H, D-H:M, D-H:M:S
		units := []int64{3600, 60, 1}
		for i, n := range nums {
			secs += n * units[i]
		}
		secs += days * 86400
	case len(nums) == 1: // M
		secs = nums[0] * 60
	case len(nums) == 2: // M:S
		secs = nums[0]*60 + nums[1]
	default: // H:M:S
		secs = nums[0]*3600 + nums[1]*60 + nums[2]
	}
	if secs > 365*24*3600 {
		return 0, fmt.Errorf("invalid time limit %q", s)
	}
	return int((secs + 59) / 60), nil
}

// parseSacctTime parses an sacct -S/-E value: now[{+|-}N[unit]] or a local
// time YYYY-MM-DD[THH:MM[:SS]].
func parseSacctTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if strings.HasPrefix(strings.ToLower(s), "now") {
		return parseNowOffset(s, now)
	}
	for _, layout := range []string{slurmTimeLayout, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time specification %q", s)
}

// parseNowOffset handles now, now-2days, now+60, now-1hour.
func parseNowOffset(s string, now time.Time) (time.Time, error) {
	rest := strings.ToLower(s[3:])
	if rest == "" {
		return now, nil
	}
	sign := time.Duration(1)
	switch rest[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return time.Time{}, fmt.Errorf("invalid time specification %q", s)
	}
	rest = rest[1:]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time specification %q", s)
	}
	unit, ok := timeUnit(rest[i:])
	if !ok {
		return time.Time{}, fmt.Errorf("invalid time specification %q", s)
	}
	return now.Add(sign * time.Duration(n) * unit), nil
}

func timeUnit(u string) (time.Duration, bool) {
	switch u {
	case "", "s", "sec", "secs", "second", "seconds":
		return time.Second, true
	case "m", "min", "mins", "minute", "minutes":
		return time.Minute, true
	case "h", "hour", "hours":
		return time.Hour, true
	case "d", "day", "days":
		return 24 * time.Hour, true
	case "w", "week", "weeks":
		return 7 * 24 * time.Hour, true
	}
	return 0, false
}
