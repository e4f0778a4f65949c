package slurm

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"00:00:02", 2 * time.Second},
		{"00:01:26", 86 * time.Second},
		{"1-00:00:20", 24*time.Hour + 20*time.Second},
		{"2-03:04:05", 51*time.Hour + 4*time.Minute + 5*time.Second},
		{"0:00", 0},
		{"12:34", 12*time.Minute + 34*time.Second},
		{"2:03:04", 2*time.Hour + 3*time.Minute + 4*time.Second},
		{"100:00:00", 100 * time.Hour},
		{"1-02", 26 * time.Hour},
		{"1-02:30", 26*time.Hour + 30*time.Minute},
		{"UNLIMITED", 0},
		{"Partition_Limit", 0},
		{"INVALID", 0},
		{"", 0},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationRejects(t *testing.T) {
	for _, in := range []string{"5", "1:2:3:4", "00:60:00", "00:00:60", "1-24:00:00", "-1:00", "1-", ":", "::",
		"a:bc", "+1:00", " 1:00", "1:00 ", "99999999999:00", "100001-00:00:00", "1.5:00"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatTestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "00:00:00"},
		{86 * time.Second, "00:01:26"},
		{24*time.Hour + 20*time.Second + 900*time.Millisecond, "1-00:00:20"},
		{-time.Second, "INVALID"},
	}
	for _, tt := range tests {
		if got := formatTestDuration(tt.in); got != tt.want {
			t.Errorf("formatTestDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, zero := range []string{"", "Unknown", "None", "N/A"} {
		if got, err := ParseTime(zero, time.UTC); err != nil || !got.IsZero() {
			t.Errorf("ParseTime(%q) = %v, %v; want the zero time", zero, got, err)
		}
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	got, err := ParseTime("2026-11-28T17:45:26", ny)
	if want := time.Date(2026, 11, 28, 22, 45, 26, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"2026-11-28 17:45:26", "17:45:26", "2026-11-28T17:45:26Z", "2026-11-28T17:45:26.5", "now"} {
		if _, err := ParseTime(bad, time.UTC); err == nil {
			t.Errorf("ParseTime(%q): got no error, want one", bad)
		}
	}
}

func TestParseExitCode(t *testing.T) {
	tests := []struct {
		in   string
		want ExitCode
	}{
		{"0:0", ExitCode{}},
		{"3:0", ExitCode{Code: 3}},
		{"15:0", ExitCode{Code: 15}},
		{"0:125", ExitCode{Signal: 125}},
		{"0:9", ExitCode{Signal: 9}},
	}
	for _, tt := range tests {
		got, err := ParseExitCode(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseExitCode(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("ParseExitCode(%q).String() = %q", tt.in, got.String())
		}
	}
	for _, bad := range []string{"", "0", "0:", ":0", "a:b", "-1:0", "1:0:0", "99999999999:0", " 0:0"} {
		if got, err := ParseExitCode(bad); err == nil {
			t.Errorf("ParseExitCode(%q) = %v, want an error", bad, got)
		}
	}
}
