package fakeslurm

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Environment variables the fake reads.
const (
	EnvDir        = "FAKESLURM_DIR"        // required: where the state lives
	EnvFirstID    = "FAKESLURM_FIRST_ID"   // first job id of a new state (default 1)
	EnvRecordEnv  = "FAKESLURM_RECORD_ENV" // comma-separated env name prefixes sbatch.log records
	EnvMinJobAge  = "FAKESLURM_MINJOBAGE"  // seconds ended jobs stay in squeue (default 10)
	EnvExec       = "FAKESLURM_EXEC"       // 1: sbatch really runs the script
	EnvKillWait   = "FAKESLURM_KILLWAIT"   // seconds from SIGTERM to SIGKILL in exec mode (default 5)
	EnvSacctLag   = "FAKESLURM_SACCT_LAG"  // sacct calls that see no row for a new job (default 0)
	EnvNow        = "FAKESLURM_NOW"        // pins the clock: Unix seconds or RFC 3339
	EnvUID        = "FAKESLURM_UID"        // uid in "CANCELLED by UID" (default: the real uid)
	EnvPartitions = "FAKESLURM_PARTITIONS" // if set, sbatch rejects other partitions
	EnvAccounts   = "FAKESLURM_ACCOUNTS"   // if set, sbatch rejects other accounts
	// EnvClusters lists the other clusters -M may name (default: any); an
	// unknown one fails with Slurm's "No cluster ... known by database".
	EnvClusters = "FAKESLURM_CLUSTERS"
	// EnvCluster is the local cluster's name (default lab): -M naming it
	// means the local cluster, as with real Slurm.
	EnvCluster = "FAKESLURM_CLUSTER"
)

// ControlProgram is the name under which Main runs control commands.
const ControlProgram = "nsv-fakeslurm"

// env is one invocation: where the state is, what time it is, who runs it,
// and where output goes. Tests build it through Main and the environment.
type env struct {
	prog    string
	dir     string
	now     time.Time
	loc     *time.Location
	uid     int
	cwd     string
	getenv  func(string) string
	environ []string
	stdout  io.Writer
	stderr  io.Writer
}

// Main runs the fake program named by prog's base name (sbatch, sacct,
// squeue, scancel or nsv-fakeslurm) with args and returns its exit code.
// nsv-fakeslurm also accepts a Slurm program name as its first argument.
func Main(prog string, args []string, stdout, stderr io.Writer) int {
	name := filepath.Base(prog)
	if name == ControlProgram && len(args) > 0 && slurmPrograms[args[0]] {
		name, args = args[0], args[1:]
	}
	if name == ControlProgram && len(args) == 0 {
		fmt.Fprint(stderr, controlUsage)
		return 2
	}
	if name == ControlProgram && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, controlUsage)
		return 0
	}
	e, err := newEnv(name, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "fakeslurm: %s: %v\n", name, err)
		return 1
	}
	switch name {
	case "sbatch", "sacct", "squeue", "scancel":
		return e.runSlurm(args)
	case ControlProgram:
		return e.control(args)
	}
	fmt.Fprintf(stderr, "fakeslurm: unknown program %q: want sbatch, sacct, squeue, scancel or %s\n", name, ControlProgram)
	return 2
}

var slurmPrograms = map[string]bool{"sbatch": true, "sacct": true, "squeue": true, "scancel": true}

func newEnv(prog string, stdout, stderr io.Writer) (*env, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return nil, fmt.Errorf("%s is not set: point it at a directory for the fake cluster's state", EnvDir)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	e := &env{
		prog: prog, dir: dir, now: time.Now(), loc: time.Local, uid: os.Getuid(), cwd: cwd,
		getenv: os.Getenv, environ: os.Environ(), stdout: stdout, stderr: stderr,
	}
	if v := os.Getenv(EnvNow); v != "" {
		if e.now, err = parseNow(v); err != nil {
			return nil, err
		}
	}
	if v := os.Getenv(EnvUID); v != "" {
		if e.uid, err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("%s=%q: %w", EnvUID, v, err)
		}
	}
	return e, nil
}

func parseNow(v string) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s=%q: want Unix seconds or RFC 3339", EnvNow, v)
	}
	return t, nil
}

// unix is the current time in whole seconds, as Slurm records it.
func (e *env) unix() int64 { return e.now.Unix() }

// intEnv reads a non-negative integer variable, def when unset or invalid.
func (e *env) intEnv(name string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(e.getenv(name)))
	if err != nil || n < 0 {
		return def
	}
	return n
}

// update runs fn on the locked state (see withWorld).
func (e *env) update(fn func(w *world) error) error {
	return withWorld(e.dir, e.intEnv(EnvFirstID, 1), fn)
}

// internalError reports a failure of the fake itself, not of "Slurm".
func (e *env) internalError(err error) int {
	fmt.Fprintf(e.stderr, "fakeslurm: %s: %v\n", e.prog, err)
	return 1
}
