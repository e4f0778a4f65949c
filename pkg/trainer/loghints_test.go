package trainer

import (
	"slices"
	"testing"
)

func TestLogHints(t *testing.T) {
	tests := []struct {
		name      string
		log       string
		hints     []string
		timeLimit bool
	}{
		{"clean", "step 00001/00010 (10%)\nTotal training time: 1.0m\n", nil, false},
		{"cuda oom", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\n", []string{HintCUDAOOM}, false},
		{"cuda runtime oom", "RuntimeError: CUDA error: out of memory\n", []string{HintCUDAOOM}, false},
		{"nccl error", "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, unhandled system error\n", []string{HintNCCLError}, false},
		{"nccl warn", "gpu-node-07:1234:1300 [0] NCCL WARN Net : Connection closed by remote peer\n", []string{HintNCCLError}, false},
		{"nccl internal", "ncclInternalError: Internal check failed.\n", []string{HintNCCLError}, false},
		{"nccl watchdog timeout", "[rank0]:[E1127 ProcessGroupNCCL.cpp:616] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=7, OpType=ALLREDUCE) ran for 600000 milliseconds before timing out.\n", []string{HintNCCLError}, false},
		{"nccl exit warning is harmless", "[W1127 ProcessGroupNCCL.cpp:1168] Warning: WARNING: process group has NOT been destroyed before we destruct ProcessGroupNCCL.\n", nil, false},
		{"cuda illegal access", "RuntimeError: CUDA error: an illegal memory access was encountered\n", []string{HintCUDAError}, false},
		{"ecc error", "RuntimeError: CUDA error: uncorrectable ECC error encountered\n", []string{HintCUDAError}, false},
		{"traceback", "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: x\n", []string{HintPythonTraceback}, false},
		{"disk quota", "OSError: [Errno 122] Disk quota exceeded: 'model_002000.pt'\n", []string{HintDiskQuota}, false},
		{"disk full", "OSError: [Errno 28] No space left on device\n", []string{HintDiskQuota}, false},
		{"torch.save on a full disk", "RuntimeError: [enforce fail at inline_container.cc:603] . PytorchStreamWriter failed writing file data/12: file write failed\n", []string{HintDiskQuota}, false},
		{"time limit", "slurmstepd-vm: error: *** JOB 3 ON vm CANCELLED AT 2026-11-28T17:43:33 DUE TO TIME LIMIT ***\n", []string{HintTimeLimit}, true},
		{"node failure", "slurmstepd: error: *** JOB 23 ON vm CANCELLED AT 2026-11-28T17:53:34 DUE TO NODE FAILURE ***\n", []string{HintNodeFailure}, false},
		{"node fail state", "srun: error: Node failure on gpu-node-07 (NODE_FAIL)\n", []string{HintNodeFailure}, false},
		{"cgroup oom kill", "slurmstepd-vm: error: Detected 1 oom-kill event(s) in StepId=21.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.\n", []string{HintKilledOOM}, false},
		{"memory limit", "slurmstepd-vm: error: StepId=20.batch exceeded memory limit (543232000 > 52428800), being killed\n", []string{HintKilledOOM}, false},
		{"preempted", "slurmstepd: error: *** JOB 25 ON vm CANCELLED AT 2026-11-28T17:54:28 DUE TO PREEMPTION ***\n", []string{HintPreempted}, false},
		{
			"deduplicated, in order of first appearance",
			"Traceback (most recent call last):\ntorch.OutOfMemoryError: CUDA out of memory.\nTraceback (most recent call last):\n" +
				"torch.OutOfMemoryError: CUDA out of memory.\n*** JOB 3 ON vm CANCELLED AT x DUE TO TIME LIMIT ***\n",
			[]string{HintPythonTraceback, HintCUDAOOM, HintTimeLimit}, true,
		},
		{"coloured", "\x1b[31mTraceback (most recent\x1b[0m call last):\n", []string{HintPythonTraceback}, false},
		{"unterminated last line still counts", "step 00001/00010 (10%)\nslurmstepd: error: *** JOB 3 CANCELLED DUE TO TIME LIMIT ***", []string{HintTimeLimit}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseString(t, tt.log)
			if !slices.Equal(got.Hints, tt.hints) {
				t.Errorf("Hints = %q, want %q", got.Hints, tt.hints)
			}
			if slices.Contains(got.Hints, HintTimeLimit) != tt.timeLimit {
				t.Errorf("time limit hint = %v, want %v", !tt.timeLimit, tt.timeLimit)
			}
		})
	}
}
