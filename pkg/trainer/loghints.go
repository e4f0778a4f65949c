package trainer

import "bytes"

// Failure hints: short, stable names for the evidence a failed or killed
// job leaves in its log. They appear in LogSummary.Hints, in the
// supervisor's events and in tests, so they are constants.
const (
	HintCUDAOOM         = "cuda_oom"         // PyTorch ran out of GPU memory
	HintNCCLError       = "nccl_error"       // a collective failed or timed out
	HintPythonTraceback = "python_traceback" // the trainer died on an exception
	HintDiskQuota       = "disk_quota"       // quota or file system full (checkpoints!)
	HintTimeLimit       = "time_limit"       // Slurm killed the job at its time limit
	HintNodeFailure     = "node_failure"     // Slurm lost the node under the job
	HintKilledOOM       = "killed_oom"       // host memory limit, cgroup OOM killer
	HintPreempted       = "preempted"        // Slurm preempted the job
)

// hintRule names a hint and the texts that reveal it. A line matches when
// it contains one of any and, if also is set, one of also too.
type hintRule struct {
	hint string
	any  [][]byte
	also [][]byte
}

// texts converts the patterns once, so matching a line allocates nothing.
func texts(s ...string) [][]byte {
	b := make([][]byte, len(s))
	for i := range s {
		b[i] = []byte(s[i])
	}
	return b
}

var hintRules = []hintRule{
	{hint: HintCUDAOOM, any: texts("CUDA out of memory", "OutOfMemoryError", "CUDA error: out of memory")},
	{hint: HintNCCLError, any: texts(
		"NCCL error", "NCCL WARN", "DistBackendError", "ncclInternalError",
		"ncclSystemError", "ncclUnhandledCudaError", "ncclRemoteError", "ncclInvalidUsage",
	)},
	// ProcessGroupNCCL also prints a harmless warning at the exit of most
	// healthy runs ("process group has NOT been destroyed"), so its name
	// alone is no evidence; its watchdog errors and timeouts are.
	{hint: HintNCCLError, any: texts("ProcessGroupNCCL"),
		also: texts("rror", "imeout", "timed out", "timing out")},
	{hint: HintPythonTraceback, any: texts("Traceback (most recent call last)")},
	// torch.save reports a full disk as a failed zip write, not as ENOSPC.
	{hint: HintDiskQuota, any: texts(
		"Disk quota exceeded", "No space left on device", "Errno 122", "Errno 28",
		"PytorchStreamWriter failed writing",
	)},
	{hint: HintTimeLimit, any: texts("DUE TO TIME LIMIT")},
	{hint: HintNodeFailure, any: texts("DUE TO NODE FAILURE", "NODE_FAIL")},
	{hint: HintKilledOOM, any: texts("oom-kill event", "exceeded memory limit")},
	{hint: HintPreempted, any: texts("DUE TO PREEMPTION")},
}

// lineHints calls found for every hint rule that matches line.
func lineHints(line []byte, found func(hint string)) {
	for _, r := range hintRules {
		if containsAny(line, r.any) && (r.also == nil || containsAny(line, r.also)) {
			found(r.hint)
		}
	}
}

func containsAny(line []byte, subs [][]byte) bool {
	for _, s := range subs {
		if bytes.Contains(line, s) {
			return true
		}
	}
	return false
}
