package run

import (
	"fmt"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// Bad nodes. A job that ended in NODE_FAIL, or failed without progress
// (FAILED, TIMEOUT, cancelled for a stall) with a GPU or NCCL error in its
// log, most likely met a broken node; the next
// job Slurm starts for the run could land there again. The run's next
// submissions exclude such nodes (--exclude) for a while. Excluding every
// node of a partition would leave the job pending for ever: sbatch refuses
// such a job at once, and the daemon then forgets the exclusions and
// submits without them (AfterSbatch).

const (
	// maxBadNodes caps the nodes excluded at once: a run that keeps
	// failing everywhere has another problem, and a long list narrows the
	// cluster too much.
	maxBadNodes = 4
	// badNodeTTL is how long a node stays excluded: admins repair or
	// drain nodes within hours.
	badNodeTTL = 24 * time.Hour
)

// BadNode is a node the run's next jobs avoid, with the evidence.
type BadNode struct {
	Node   string    `json:"node"`
	JobID  string    `json:"job_id"`
	Reason string    `json:"reason"` // node_fail, or the log hint (nccl_error, cuda_error)
	At     time.Time `json:"at"`
}

func (b BadNode) String() string {
	return fmt.Sprintf("%s: %s of job %s at %s", b.Node, b.Reason, b.JobID, b.At.UTC().Format(time.RFC3339))
}

// noteBadNodes adds the ended job's nodes to the run's bad nodes when its
// end points at them, newest first, at most maxBadNodes.
func (d *decider) noteBadNodes(row *slurm.Job, progress bool) {
	job, reason := d.next.Job, ""
	failed := !progress && (row.State.Name == slurm.StateFailed || row.State.Name == slurm.StateTimeout ||
		(row.State.Name == slurm.StateCancelled && job.CancelReason == ReasonStallCancel))
	switch {
	case row.State.Name == slurm.StateNodeFail:
		reason = "node_fail"
	case failed && slices.Contains(job.Hints, trainer.HintNCCLError):
		reason = trainer.HintNCCLError
	case failed && slices.Contains(job.Hints, trainer.HintCUDAError):
		reason = trainer.HintCUDAError
	}
	if reason == "" || job.NodeList == "" {
		return
	}
	bad := d.next.BadNodes
	for _, n := range slurm.ExpandHostlist(job.NodeList) {
		bad = slices.DeleteFunc(bad, func(b BadNode) bool { return b.Node == n })
		bad = append([]BadNode{{Node: n, JobID: job.ID, Reason: reason, At: d.in.Now}}, bad...)
	}
	d.next.BadNodes = bad[:min(len(bad), maxBadNodes)]
}

// excludedNodes drops the bad nodes older than badNodeTTL and returns the
// rest, with the evidence for the submission's event.
func (d *decider) excludedNodes() ([]string, []any) {
	d.next.BadNodes = slices.DeleteFunc(d.next.BadNodes, func(b BadNode) bool { return d.in.Now.Sub(b.At) >= badNodeTTL })
	if len(d.next.BadNodes) == 0 {
		d.next.BadNodes = nil
		return nil, nil
	}
	var nodes, evidence []string
	for _, b := range d.next.BadNodes {
		nodes = append(nodes, b.Node)
		evidence = append(evidence, b.String())
	}
	return nodes, []any{FieldExclude, nodes, "exclude_evidence", evidence}
}

// ExcludeFlag is the --exclude of a submission: the bad nodes and the
// nodes the user's own sbatch_args exclude, which it would override.
func ExcludeFlag(nodes string, userArgs []string) string {
	if own := trainer.ArgsExclude(userArgs); own != "" {
		nodes += "," + own
	}
	return "--exclude=" + nodes
}
