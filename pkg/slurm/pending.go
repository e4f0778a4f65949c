package slurm

import "strings"

// stuckPendingReasons are squeue %r reasons of a pending job that do not
// clear by themselves: somebody has to act (release a hold, raise an
// allocation, bring a partition or node back, fix a dependency or an
// account). Reasons like Priority, Resources or BeginTime clear on their
// own and are not listed.
var stuckPendingReasons = map[string]bool{
	"DependencyNeverSatisfied":        true,
	"JobHeldUser":                     true,
	"JobHeldAdmin":                    true,
	"PartitionDown":                   true,
	"PartitionInactive":               true,
	"PartitionTimeLimit":              true,
	"PartitionNodeLimit":              true,
	"InvalidAccount":                  true,
	"InvalidQOS":                      true,
	"AccountNotAllowed":               true,
	"QOSNotAllowed":                   true,
	"BadConstraints":                  true,
	"AssocMaxWallDurationPerJobLimit": true,
	"QOSMaxWallDurationPerJobLimit":   true,
	"launch failed requeued held":     true,
}

// PendingStuck reports whether a job pending for this reason (squeue %r)
// waits for something that will not come by itself. An exhausted
// allocation (AssocGrpBillingMinutes, QOSGrpCPUMinutesLimit, ...) only
// refills when the account is topped up or the usage decays, which for a
// training run is as good as never; ReqNodeNotAvail (often followed by
// ", UnavailableNodes:...") waits for an administrator.
func PendingStuck(reason string) bool {
	reason = strings.TrimSpace(reason)
	if stuckPendingReasons[reason] || strings.HasPrefix(reason, "ReqNodeNotAvail") {
		return true
	}
	grp := strings.HasPrefix(reason, "AssocGrp") || strings.HasPrefix(reason, "QOSGrp")
	return grp && (strings.HasSuffix(reason, "Minutes") || strings.HasSuffix(reason, "MinutesLimit") || strings.HasSuffix(reason, "MinutesLimitExceeded"))
}
