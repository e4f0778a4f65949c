package fakeslurm

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Fault makes the next Times calls of Cmd misbehave. It is consumed under
// the state lock, so concurrent callers each take a distinct fault.
type Fault struct {
	Cmd    string `json:"cmd"`
	RC     int    `json:"rc"`
	Stderr string `json:"stderr,omitempty"`
	// DefaultStderr: print the command's realistic outage message.
	DefaultStderr bool `json:"default_stderr,omitempty"`
	// Stdout, when set, replaces the normal output (garbage or empty).
	Stdout *string `json:"stdout,omitempty"`
	// SleepMS delays the answer, outside the lock.
	SleepMS int64 `json:"sleep_ms,omitempty"`
	// Create: sbatch creates the job, then fails anyway.
	Create bool `json:"create,omitempty"`
	// Times left; a negative count never runs out (until clear-faults).
	Times int `json:"times"`
}

// answersNormally is a fault that only delays the real answer.
func (f *Fault) answersNormally() bool {
	return f.RC == 0 && f.Stderr == "" && !f.DefaultStderr && f.Stdout == nil && !f.Create
}

// outageStderr is what each program printed on the project's local cluster
// (testdata/real) when the daemon behind it was down; these are the transient errors the daemon must
// ride out.
func outageStderr(cmd string, args []string) string {
	switch cmd {
	case "sacct":
		return "sacct: error: slurm_persist_conn_open_without_init: failed to open persistent connection to host:127.0.0.1:6819: Connection refused\n" +
			"sacct: error: Sending PersistInit msg: Connection refused\n" +
			"sacct: error: Problem talking to the database: Connection refused\n"
	case "squeue":
		return "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n"
	case "scancel":
		return fmt.Sprintf("scancel: error: Kill job error on job id %s: Unable to contact slurm controller (connect failure)\n", firstOperand(args))
	}
	return "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n"
}

// socketTimeoutStderr is sbatch's message when the controller took the job
// but the reply was lost.
const socketTimeoutStderr = "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n"

func firstOperand(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// takeFault removes and returns the next fault for cmd, or nil.
func (e *env) takeFault(cmd string) (*Fault, error) {
	var taken *Fault
	err := e.update(func(w *world) error {
		for i := range w.Faults {
			f := w.Faults[i]
			if f.Cmd != cmd || f.Times == 0 {
				continue
			}
			taken = &f
			if f.Times > 0 {
				w.Faults[i].Times--
			}
			if w.Faults[i].Times == 0 {
				w.Faults = append(w.Faults[:i], w.Faults[i+1:]...)
			}
			return nil
		}
		return errUnchanged
	})
	return taken, err
}

// runSlurm runs one of the Slurm programs, applying a pending fault first.
func (e *env) runSlurm(args []string) int {
	f, err := e.takeFault(e.prog)
	if err != nil {
		return e.internalError(err)
	}
	if f != nil && f.SleepMS > 0 {
		time.Sleep(time.Duration(f.SleepMS) * time.Millisecond)
	}
	if f != nil && f.answersNormally() {
		f = nil
	}
	if f != nil && !(f.Create && e.prog == "sbatch") {
		if e.prog == "sbatch" {
			e.logSbatch(args, "", f.RC)
		}
		return e.printFault(f, args)
	}
	var out bytes.Buffer
	var rc int
	switch e.prog {
	case "sbatch":
		rc = e.sbatch(args, &out, f)
	case "sacct":
		rc = e.sacct(args, &out)
	case "squeue":
		rc = e.squeue(args, &out)
	case "scancel":
		rc = e.scancel(args, &out)
	}
	e.stdout.Write(out.Bytes())
	return rc
}

// printFault writes the fault's output and returns its exit code.
func (e *env) printFault(f *Fault, args []string) int {
	if f.Stdout != nil {
		fmt.Fprint(e.stdout, *f.Stdout)
	}
	switch {
	case f.Stderr != "":
		fmt.Fprint(e.stderr, withNewline(f.Stderr))
	case f.DefaultStderr && f.Create:
		fmt.Fprint(e.stderr, socketTimeoutStderr)
	case f.DefaultStderr:
		fmt.Fprint(e.stderr, outageStderr(e.prog, args))
	}
	return f.RC
}

func withNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}
