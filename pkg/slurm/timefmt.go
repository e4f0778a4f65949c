package slurm

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// TimeLayout is how sacct and squeue print times (and how -S/-E take
// them): local time without a zone.
const TimeLayout = "2006-01-02T15:04:05"

// ParseTime reads a time printed by sacct or squeue in loc (nil means
// time.Local). "Unknown", "None", "N/A" and "" mean "not set" and give the
// zero time without an error.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	switch s {
	case "", "Unknown", "None", "N/A", "NONE":
		return time.Time{}, nil
	}
	// time.Parse would also take fractional seconds, which Slurm never
	// prints; insisting on the exact length keeps the format honest.
	t, err := time.ParseInLocation(TimeLayout, s, cmp.Or(loc, time.Local))
	if err != nil || len(s) != len(TimeLayout) {
		return time.Time{}, fmt.Errorf("time %q: want %s", s, TimeLayout)
	}
	return t, nil
}

// FormatTime prints t as sacct's -S/-E options expect, in t's own zone.
func FormatTime(t time.Time) string { return t.Format(TimeLayout) }

// maxDays bounds the day part of a duration (about 270 years) so that no
// input can overflow a time.Duration.
const maxDays = 100_000

// ParseDuration reads a Slurm duration: "[D-]HH:MM:SS" as sacct prints
// Elapsed and Timelimit, "M:SS" and "H:MM:SS" as squeue prints time used,
// and "D-HH" or "D-HH:MM" as Slurm also accepts. "UNLIMITED", "INFINITE",
// "Partition_Limit", "NOT_SET", "INVALID", "N/A" and "" carry no usable
// length and give 0 without an error.
func ParseDuration(s string) (time.Duration, error) {
	switch s {
	case "", "UNLIMITED", "INFINITE", "Partition_Limit", "NOT_SET", "INVALID", "N/A":
		return 0, nil
	}
	d, err := parseClock(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", s, err)
	}
	return d, nil
}

// clockUnits maps the accepted shapes, by whether a day part is present
// and by the number of colon-separated parts, to the unit (in seconds) of
// each part.
var clockUnits = map[bool]map[int][]int64{
	false: {2: {60, 1}, 3: {3600, 60, 1}},
	true:  {1: {3600}, 2: {3600, 60}, 3: {3600, 60, 1}},
}

func parseClock(s string) (time.Duration, error) {
	var seconds int64
	rest := s
	dayText, after, hasDays := strings.Cut(s, "-")
	if hasDays {
		days, err := parseSmallUint(dayText, maxDays)
		if err != nil {
			return 0, err
		}
		seconds, rest = int64(days)*86400, after
	}
	parts := strings.Split(rest, ":")
	units, ok := clockUnits[hasDays][len(parts)]
	if !ok {
		return 0, fmt.Errorf("want [D-]HH:MM:SS or MM:SS")
	}
	for i, p := range parts {
		// The leading part may be large ("100:00:00" for 100 hours)
		// unless a day part precedes it; the others wrap at 60 or 24.
		max := int(maxDays * 86400 / units[i])
		if i > 0 {
			max = 59
		} else if hasDays {
			max = 23
		}
		n, err := parseSmallUint(p, max)
		if err != nil {
			return 0, err
		}
		seconds += int64(n) * units[i]
	}
	return time.Duration(seconds) * time.Second, nil
}
