package simtrain

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Faults are failures injected at a step. A step of -1 disables a fault.
// Crash, CUDA OOM and hang fire in the training step that follows step's
// evaluation and save, so a crash at a save step leaves that checkpoint
// complete. Disk quota fires in the first save at or after its step (a
// quota only bites when something is written), leaving a torn model file.
// HangInSave fires only if its step is a save step.
type Faults struct {
	CrashAtStep int
	CrashCode   int
	// CrashOnceFile, when set, arms the exiting faults (crash, CUDA OOM,
	// disk quota) only while the file does not exist; firing creates it, so
	// the resubmitted job runs through.
	CrashOnceFile string

	HangAtStep       int
	HangInSaveAtStep int
	// HangOnceFile does for the hangs what CrashOnceFile does for crashes.
	// It is created before hanging, since a hung job is killed, not exited.
	HangOnceFile string

	DiskQuotaAtStep int
	CUDAOOMAtStep   int
}

// NoFaults disables every fault.
func NoFaults() Faults {
	return Faults{CrashAtStep: -1, CrashCode: 1, HangAtStep: -1, HangInSaveAtStep: -1, DiskQuotaAtStep: -1, CUDAOOMAtStep: -1}
}

// ExitError is a simulated Python death: the process should exit with Code
// after the traceback has been printed.
type ExitError struct {
	Code   int
	Reason string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("simulated trainer exits with code %d: %s", e.Code, e.Reason)
}

// ErrHung is returned (wrapped with the context's error) when a hang was
// cut short by the context; a real run hangs until it is killed.
var ErrHung = errors.New("simulated trainer hung")

// armed reports whether a fault guarded by the once file may fire.
func armed(onceFile string) (bool, error) {
	if onceFile == "" {
		return true, nil
	}
	_, err := os.Stat(onceFile)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, os.ErrNotExist):
		return true, nil
	default:
		return false, fmt.Errorf("fault marker %s: %w", onceFile, err)
	}
}

// markFired creates the once file so that the next job skips the fault.
func markFired(onceFile, what string) error {
	if onceFile == "" {
		return nil
	}
	if err := os.WriteFile(onceFile, []byte(what+"\n"), 0o644); err != nil {
		return fmt.Errorf("fault marker %s: %w", onceFile, err)
	}
	return nil
}

// traceback is a Python exception as base_train.py would print it when it
// dies at the given source line; the last line is "Type: message".
type traceback struct {
	Frames    []string // "File ..., line N, in fn" lines, outermost first
	Exception string   // e.g. "torch.OutOfMemoryError: CUDA out of memory. ..."
}

// write prints the traceback the way Python does on an uncaught exception.
func (t traceback) write(w io.Writer) {
	var b strings.Builder
	b.WriteString("Traceback (most recent call last):\n")
	b.WriteString("  File \"<frozen runpy>\", line 198, in _run_module_as_main\n")
	b.WriteString("  File \"<frozen runpy>\", line 88, in _run_code\n")
	for _, f := range t.Frames {
		b.WriteString("  " + f + "\n")
	}
	b.WriteString(t.Exception + "\n")
	_, _ = io.WriteString(w, b.String())
}

// Source locations quoted in the tracebacks: relative to a nanochat
// checkout, as Python prints them for `python -m scripts.base_train`.
const (
	frameTrainStep = `File "scripts/base_train.py", line 353, in <module>` + "\n    loss.backward()"
	frameSave      = `File "scripts/base_train.py", line 322, in <module>` + "\n    save_checkpoint("
	frameLoad      = `File "scripts/base_train.py", line 163, in <module>` + "\n    model_data, optimizer_data, meta_data = load_checkpoint(checkpoint_dir, args.resume_from_step, device, load_optimizer=True, rank=ddp_rank)"
)

func crashTraceback(step int) traceback {
	return traceback{
		Frames:    []string{frameTrainStep},
		Exception: fmt.Sprintf("RuntimeError: simulated crash at step %d (nsv-simtrain --crash-at-step)", step),
	}
}

func cudaOOMTraceback() traceback {
	return traceback{
		Frames: []string{frameTrainStep},
		Exception: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. " +
			"GPU 0 has a total capacity of 44.39 GiB of which 1.12 GiB is free. " +
			"Including non-PyTorch memory, this process has 43.26 GiB memory in use. " +
			"Of the allocated memory 40.11 GiB is allocated by PyTorch, and 2.01 GiB is reserved by PyTorch but unallocated. " +
			"If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.",
	}
}

func diskQuotaTraceback() traceback {
	return traceback{
		Frames: []string{
			frameSave,
			`File "nanochat/checkpoint_manager.py", line 28, in save_checkpoint` + "\n    torch.save(model_data, model_path)",
		},
		Exception: "OSError: [Errno 122] Disk quota exceeded",
	}
}

func loadTraceback(exception string) traceback {
	return traceback{Frames: []string{frameLoad}, Exception: exception}
}
