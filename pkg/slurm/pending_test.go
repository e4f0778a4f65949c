package slurm

import "testing"

func TestPendingStuck(t *testing.T) {
	tests := []struct {
		reason string
		want   bool
	}{
		{"AssocGrpBillingMinutes", true},
		{"AssocGrpCPUMinutesLimit", true},
		{"QOSGrpGRESMinutes", true},
		{"DependencyNeverSatisfied", true},
		{"PartitionDown", true},
		{"JobHeldUser", true},
		{"JobHeldAdmin", true},
		{"ReqNodeNotAvail", true},
		{"ReqNodeNotAvail, UnavailableNodes:gpu[01-02]", true},
		{"Priority", false},
		{"Resources", false},
		{"BeginTime", false},
		{"Dependency", false},
		{"AssocGrpGRES", false}, // a running-jobs limit: clears when a job ends
		{"None", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := PendingStuck(tt.reason); got != tt.want {
			t.Errorf("PendingStuck(%q) = %v, want %v", tt.reason, got, tt.want)
		}
	}
}
