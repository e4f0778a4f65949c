package fakeslurm

import (
	"testing"
	"time"
)

func TestSacctElapsed(t *testing.T) {
	tests := []struct {
		secs int64
		want string
	}{
		{0, "00:00:00"}, {2, "00:00:02"}, {64, "00:01:04"}, {86, "00:01:26"},
		{3600, "01:00:00"}, {86399, "23:59:59"}, {86400, "1-00:00:00"},
		{2*86400 + 3*3600 + 4*60 + 5, "2-03:04:05"}, {-5, "00:00:00"},
	}
	for _, tt := range tests {
		if got := sacctElapsed(tt.secs); got != tt.want {
			t.Errorf("sacctElapsed(%d) = %q, want %q", tt.secs, got, tt.want)
		}
	}
}

func TestTimelimits(t *testing.T) {
	tests := []struct {
		mins        int
		sacct, sque string
	}{
		{0, "UNLIMITED", "UNLIMITED"},
		{1, "00:01:00", "1:00"},
		{59, "00:59:00", "59:00"},
		{60, "01:00:00", "1:00:00"},
		{1440, "1-00:00:00", "1-00:00:00"},
		{1441, "1-00:01:00", "1-00:01:00"},
		{2*1440 + 90, "2-01:30:00", "2-01:30:00"},
	}
	for _, tt := range tests {
		if got := sacctTimelimit(tt.mins); got != tt.sacct {
			t.Errorf("sacctTimelimit(%d) = %q, want %q", tt.mins, got, tt.sacct)
		}
		if got := squeueTimelimit(tt.mins); got != tt.sque {
			t.Errorf("squeueTimelimit(%d) = %q, want %q", tt.mins, got, tt.sque)
		}
	}
}

func TestSqueueSecs(t *testing.T) {
	tests := []struct {
		secs int64
		want string
	}{
		{0, "0:00"}, {5, "0:05"}, {65, "1:05"}, {3599, "59:59"}, {3600, "1:00:00"},
		{86400 + 1, "1-00:00:01"}, {-1, "INVALID"}, {366 * 86400, "INVALID"},
	}
	for _, tt := range tests {
		if got := squeueSecs(tt.secs); got != tt.want {
			t.Errorf("squeueSecs(%d) = %q, want %q", tt.secs, got, tt.want)
		}
	}
}

func TestParseTimeLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"1", 1, false}, {"0", 0, false}, {"90", 90, false}, {"0:30", 1, false}, {"1:00", 1, false},
		{"1:01", 2, false}, {"1:00:00", 60, false}, {"2:30:00", 150, false}, {"1-0", 1440, false},
		{"1-00:00:00", 1440, false}, {"1-2", 1560, false}, {"1-2:30", 1590, false}, {"0-1", 60, false},
		{"UNLIMITED", 0, false}, {"infinite", 0, false}, {"-1", 0, false},
		{"", 0, true}, {"abc", 0, true}, {"1:2:3:4", 0, true}, {"1-", 0, true}, {"x-1", 0, true},
		{"1:-5", 0, true}, {"400-0", 0, true},
	}
	for _, tt := range tests {
		got, err := parseTimeLimit(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseTimeLimit(%q) = %d, %v; want %d, err %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseTimeLimit(f *testing.F) {
	for _, s := range []string{"1", "0:30", "1-00:00:00", "UNLIMITED", "1-2:3", "::", "-", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mins, err := parseTimeLimit(s)
		if err != nil {
			return
		}
		if mins < 0 || mins > 366*1440 {
			t.Errorf("parseTimeLimit(%q) = %d minutes, outside [0, a year]", s, mins)
		}
		// Whatever parses must render as Slurm renders a limit.
		if sacctTimelimit(mins) == "" || squeueTimelimit(mins) == "INVALID" {
			t.Errorf("limit %d from %q renders badly", mins, s)
		}
	})
}

func TestParseSacctTime(t *testing.T) {
	now := t0
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"now", now, false},
		{"now-2days", now.Add(-48 * time.Hour), false},
		{"now-1hour", now.Add(-time.Hour), false},
		{"now+60", now.Add(time.Minute), false},
		{"NOW-10minutes", now.Add(-10 * time.Minute), false},
		{"2026-11-28T17:00:00", time.Date(2026, 11, 28, 17, 0, 0, 0, time.Local), false},
		{"2026-11-28T17:00", time.Date(2026, 11, 28, 17, 0, 0, 0, time.Local), false},
		{"2026-11-28", time.Date(2026, 11, 28, 0, 0, 0, 0, time.Local), false},
		{"now-2fortnights", time.Time{}, true},
		{"now*2", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := parseSacctTime(tt.in, now, time.Local)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseSacctTime(%q) = %v, %v; want %v, err %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestOutputPath(t *testing.T) {
	tests := []struct {
		pattern, want string
	}{
		{"", "/w/slurm-7.out"},
		{"logs/%x-%j.log", "/w/logs/d20-7.log"},
		{"/abs/%j.out", "/abs/7.out"},
		{"100%%-%j", "/w/100%-7"},
		{"odd-%q-%", "/w/odd-%q-%"},
	}
	for _, tt := range tests {
		if got := OutputPath(tt.pattern, "/w", 7, "d20"); got != tt.want {
			t.Errorf("OutputPath(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}
