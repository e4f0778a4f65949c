package trainer

import (
	"bytes"
	"strings"
)

// Failure hints: short, stable names for the evidence a failed or killed
// job leaves in its log. They appear in LogSummary.Hints, in the
// supervisor's events and in tests, so they are constants.
const (
	HintCUDAOOM         = "cuda_oom"         // PyTorch ran out of GPU memory
	HintNCCLError       = "nccl_error"       // a collective failed or timed out
	HintCUDAError       = "cuda_error"       // the GPU or its driver failed (not out of memory)
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
	any  []hintText
	also []hintText
}

// hintText is a text to look for, prepared once so matching a line
// allocates nothing.
type hintText struct {
	text []byte
	rare byte // the text's least common byte: a line without it cannot match
}

func texts(s ...string) []hintText {
	t := make([]hintText, len(s))
	for i := range s {
		t[i] = hintText{text: []byte(s[i]), rare: rarestByte(s[i])}
	}
	return t
}

// commonBytes ranks the bytes of ordinary log text, most common first.
// Capital letters and anything else not listed count as rarest.
const commonBytes = " etaoinsrhldcum0123456789.fpgwybv:|/%()kxjqz,_-"

// rarestByte picks the byte of s least likely to occur in a line, so one
// fast IndexByte rules out most lines before a full substring search.
func rarestByte(s string) byte {
	best, bestRank := s[0], -1
	for i := 0; i < len(s); i++ {
		rank := strings.IndexByte(commonBytes, s[i])
		if rank < 0 {
			return s[i]
		}
		if rank > bestRank {
			best, bestRank = s[i], rank
		}
	}
	return best
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
	{hint: HintCUDAError, any: texts(
		"illegal memory access was encountered", "unspecified launch failure", "uncorrectable ECC error",
		"no CUDA-capable device is detected", "CUDA-capable device(s) is/are busy or unavailable",
	)},
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

// lineHints calls found for every hint rule that matches line, whose
// bytes are in has.
func lineHints(line []byte, has *byteSet, found func(hint string)) {
	for _, r := range hintRules {
		if containsAny(line, has, r.any) && (r.also == nil || containsAny(line, has, r.also)) {
			found(r.hint)
		}
	}
}

func containsAny(line []byte, has *byteSet, subs []hintText) bool {
	for _, s := range subs {
		if has[s.rare] && bytes.Contains(line, s.text) {
			return true
		}
	}
	return false
}

// byteSet records which byte values occur in a line. Filling it costs one
// pass over the line; afterwards most texts are ruled out by one lookup
// instead of one substring search each. It is a [256]bool rather than a
// bitmap because independent stores are several times faster than a chain
// of read-modify-writes.
type byteSet [256]bool

func (s *byteSet) fill(b []byte) {
	*s = byteSet{}
	for _, c := range b {
		s[c] = true
	}
}

func (s *byteSet) containsAnyOf(chars string) bool {
	for i := 0; i < len(chars); i++ {
		if s[chars[i]] {
			return true
		}
	}
	return false
}
