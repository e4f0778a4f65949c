package slurm

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Command is one invocation of a Slurm program.
type Command struct {
	// Name is the program, e.g. "sacct". A bare name is looked up in the
	// runner's BinDir or, when that is empty, in PATH.
	Name string
	Args []string
	// Dir is the working directory; "" means the daemon's own. sbatch
	// needs it because the job's default working directory is sbatch's.
	Dir string
	// Env holds extra KEY=VALUE entries appended to the daemon's
	// environment (later entries win, as in os/exec).
	Env []string
	// Drop removes variables inherited from the daemon's environment (not
	// those of Env): a name, or a prefix ending in '*' ("SLURM_*").
	Drop []string
}

// Runner runs one Command and returns what it printed. A non-nil error
// means the command could not be run or did not exit 0; stdout and stderr
// are returned in both cases because the evidence matters.
type Runner interface {
	Run(ctx context.Context, cmd Command) (stdout, stderr []byte, err error)
}

// DefaultCommandTimeout bounds a command when ExecRunner.Timeout is zero.
// slurmctld being down makes squeue and sbatch hang for about 9 s, so a
// minute leaves room for a slow controller without hanging the daemon.
const DefaultCommandTimeout = 60 * time.Second

// maxStderr caps the stderr kept as evidence; Slurm's messages are a few
// lines, and a runaway program must not grow the daemon's memory.
const maxStderr = 64 << 10

// DefaultMaxOutput bounds the stdout read from one command when
// ExecRunner.MaxOutput is zero. sacct for 500 jobs prints about 100 KB and
// squeue for a user with 10,000 array tasks about 1.5 MB; a runaway
// program must not grow the daemon's memory without end.
const DefaultMaxOutput = 16 << 20

// ErrOutputTooLarge is the cause of a *CommandError whose command printed
// more than the runner's MaxOutput to stdout and was killed for it.
var ErrOutputTooLarge = errors.New("stdout too large")

// waitDelay is how long Run waits for output pipes after the process has
// exited or been killed, in case a descendant that escaped the process
// group still holds them open.
const waitDelay = 2 * time.Second

// ExecRunner runs commands as child processes.
type ExecRunner struct {
	// BinDir is where the Slurm programs live; "" means PATH.
	BinDir string
	// Timeout bounds each command; 0 means DefaultCommandTimeout and a
	// negative value means no limit beyond ctx.
	Timeout time.Duration
	// MaxOutput bounds the bytes read from a command's stdout; 0 or less
	// means DefaultMaxOutput. A command that prints more is killed with its
	// process group and fails with ErrOutputTooLarge.
	MaxOutput int
}

// Run implements Runner. Every failure is a *CommandError. When the
// timeout or ctx ends the command, the whole process group is killed so
// that no helper process of a hung Slurm command outlives it.
func (r *ExecRunner) Run(ctx context.Context, c Command) (stdout, stderr []byte, err error) {
	cmdErr := &CommandError{Cmd: c.Name, Args: slices.Clone(c.Args), ExitCode: -1}
	path, err := r.resolve(c.Name)
	if err != nil {
		cmdErr.Err = fmt.Errorf("%w (%w)", ErrNotFound, err)
		return nil, nil, cmdErr
	}
	if r.Timeout >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmp.Or(r.Timeout, DefaultCommandTimeout))
		defer cancel()
	}

	// kill ends the command early when its stdout passes the cap; it is
	// not ctx, so that the cause stays ErrOutputTooLarge, not a timeout.
	runCtx, kill := context.WithCancel(ctx)
	defer kill()
	cmd := exec.CommandContext(runCtx, path, c.Args...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 || len(c.Drop) > 0 {
		cmd.Env = append(dropEnv(os.Environ(), c.Drop), c.Env...)
	}
	outBuf := &cappedBuffer{max: r.MaxOutput, onFull: kill}
	if outBuf.max <= 0 {
		outBuf.max = DefaultMaxOutput
	}
	errBuf := &cappedBuffer{max: maxStderr}
	cmd.Stdout = outBuf
	cmd.Stderr = errBuf
	startInOwnGroup(cmd)
	cmd.WaitDelay = waitDelay

	runErr := cmd.Run()
	stdout, stderr = outBuf.buf.Bytes(), errBuf.buf.Bytes()
	if runErr == nil && !outBuf.full {
		return stdout, stderr, nil
	}
	cmdErr.Stderr = string(stderr)
	cmdErr.Err = runErr
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		cmdErr.ExitCode = exitErr.ExitCode()
	}
	if outBuf.full {
		cmdErr.Err = fmt.Errorf("%w: more than %d bytes, process group killed", ErrOutputTooLarge, outBuf.max)
		return stdout, stderr, cmdErr
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The process was killed because of ctx (or never started),
		// whatever it exited with; keep both causes for errors.Is.
		cmdErr.TimedOut = errors.Is(ctxErr, context.DeadlineExceeded)
		if !errors.Is(runErr, ctxErr) {
			cmdErr.Err = errors.Join(ctxErr, runErr)
		}
	}
	return stdout, stderr, cmdErr
}

// resolve finds the program. A name with a slash is used as given; a bare
// name is taken from BinDir when one is set, so that a configured BinDir is
// never silently bypassed by a different sacct found in PATH.
func (r *ExecRunner) resolve(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty program name")
	}
	if strings.ContainsRune(name, '/') || r.BinDir == "" {
		return exec.LookPath(name)
	}
	return exec.LookPath(filepath.Join(r.BinDir, name))
}

// cappedBuffer keeps the first max bytes written and drops the rest while
// still reporting success, so the child never blocks on a full pipe. The
// first time more than max bytes arrive, full is set and onFull (if any)
// is called.
type cappedBuffer struct {
	buf    bytes.Buffer
	max    int
	full   bool
	onFull func()
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	b.buf.Write(p[:min(len(p), max(room, 0))])
	if len(p) > room && !b.full {
		b.full = true
		if b.onFull != nil {
			b.onFull()
		}
	}
	return len(p), nil
}

// ErrNotFound is wrapped by the error of a command whose program is not in
// ExecRunner.BinDir or, without one, not in PATH.
var ErrNotFound = errors.New("slurm program not found")

// Programs are the Slurm programs this package runs.
var Programs = []string{"sbatch", "sacct", "squeue", "scancel"}

// Location is where a Slurm program was found, or why it was not.
type Location struct {
	Name string
	Path string // absolute or as found in PATH; "" when not found
	Err  error
}

// Locate finds every program of Programs the way Run would, without
// running anything.
func (r *ExecRunner) Locate() []Location {
	out := make([]Location, len(Programs))
	for i, name := range Programs {
		path, err := r.resolve(name)
		out[i] = Location{Name: name, Path: path, Err: err}
	}
	return out
}
