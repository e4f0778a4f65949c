package fakeslurm

import (
	"fmt"
	"time"
)

// slurmTimeLayout is how Slurm prints times by default (slurm_make_time_str
// without SLURM_TIME_FORMAT): local time, no zone.
const slurmTimeLayout = "2006-01-02T15:04:05"

// formatTime prints a Unix time as Slurm does, in loc.
func formatTime(sec int64, loc *time.Location) string {
	return time.Unix(sec, 0).In(loc).Format(slurmTimeLayout)
}

// sacctElapsed prints seconds like sacct's Elapsed: HH:MM:SS or D-HH:MM:SS.
func sacctElapsed(secs int64) string {
	if secs < 0 {
		secs = 0
	}
	d, h, m, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	if d > 0 {
		return fmt.Sprintf("%d-%02d:%02d:%02d", d, h, m, s)
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
}

// sacctTimelimit prints a limit in minutes like sacct's Timelimit
// (mins2time_str): 00:01:00, 1-00:00:00, UNLIMITED for no limit.
func sacctTimelimit(mins int) string {
	if mins <= 0 {
		return "UNLIMITED"
	}
	d, h, m := mins/1440, mins/60%24, mins%60
	if d > 0 {
		return fmt.Sprintf("%d-%02d:%02d:00", d, h, m)
	}
	return fmt.Sprintf("%02d:%02d:00", h, m)
}

// squeueSecs prints seconds like squeue's %l and %M (_print_secs):
// M:SS, H:MM:SS or D-HH:MM:SS, INVALID below zero or beyond a year.
func squeueSecs(secs int64) string {
	if secs < 0 || secs > 365*24*3600 {
		return "INVALID"
	}
	d, h, m, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	switch {
	case d > 0:
		return fmt.Sprintf("%d-%02d:%02d:%02d", d, h, m, s)
	case h > 0:
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// squeueTimelimit prints a limit in minutes like squeue's %l.
func squeueTimelimit(mins int) string {
	if mins <= 0 {
		return "UNLIMITED"
	}
	return squeueSecs(int64(mins) * 60)
}

// squeueTime prints a time like squeue's %V/%S: N/A when unset.
func squeueTime(sec int64, loc *time.Location) string {
	if sec == 0 {
		return "N/A"
	}
	return formatTime(sec, loc)
}
