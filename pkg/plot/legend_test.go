package plot

import (
	"strings"
	"testing"
)

func TestGroupLabel(t *testing.T) {
	jobs := []Job{
		{ID: "10", Attempt: 0, Outcome: "timeout"},
		{ID: "11", Attempt: 1, Outcome: "app_failure"},
		{ID: "12", Attempt: 2, Outcome: "app_failure"},
		{ID: "13", Attempt: 3, Outcome: "app_failure"},
		{ID: "14", Attempt: 4, Outcome: strings.Repeat("x", 80)},
		{ID: "15", Attempt: 5},
	}
	tests := []struct {
		group []int
		want  string
	}{
		{[]int{0}, "job 10 (adopted)"},
		{[]int{1}, "job 11 #1 after timeout"},
		{[]int{1, 2}, "jobs 11, 12 #2 after app_failure"},
		{[]int{1, 2, 3}, "jobs 11, 12, 13 #3 after app_failure"},
		{[]int{1, 2, 3, 4}, "4 jobs here, last 14 #4 after app_failure"},
		{[]int{5}, "job 15 #5 after " + strings.Repeat("x", 43) + "…"},
	}
	for _, tt := range tests {
		if got := groupLabel(jobs, tt.group); got != tt.want {
			t.Errorf("groupLabel(%v):\n got %q\nwant %q", tt.group, got, tt.want)
		}
	}
}
