package fakeslurm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// execWrapper runs the job's script copy ($0) with its arguments and then
// records the exit status atomically in $FAKESLURM_STATUS_FILE, so a later
// sacct/squeue call (another process) can tell that the job ended and how.
// The wrapper traps TERM (the trap is reset in the script) so it outlives
// the script and still writes the status after a cancel.
const execWrapper = `trap : TERM
"$0" "$@"
rc=$?
printf '%s\n' "$rc" > "$FAKESLURM_STATUS_FILE.tmp" && mv -f "$FAKESLURM_STATUS_FILE.tmp" "$FAKESLURM_STATUS_FILE"`

// startJob starts the batch script detached in its own process group, with
// stdout/stderr going to the job's output file like slurmstepd does.
func (e *env) startJob(j *Job, script []byte) error {
	jobDir := filepath.Join(e.dir, "jobs", strconv.Itoa(j.ID))
	if err := os.MkdirAll(jobDir, 0o755); err != nil {
		return err
	}
	// Slurm runs its own copy of the script, taken at submission.
	scriptCopy := filepath.Join(jobDir, "script")
	if err := os.WriteFile(scriptCopy, script, 0o700); err != nil {
		return err
	}
	status := filepath.Join(jobDir, "status")
	stdout, stderr, err := openJobOutput(j)
	if err != nil {
		return err
	}
	defer stdout.Close()
	defer stderr.Close()
	cmd := exec.Command("bash", append([]string{"-c", execWrapper, scriptCopy}, j.Args...)...)
	cmd.Dir = j.WorkDir
	cmd.Env = append(e.jobEnv(j), "FAKESLURM_STATUS_FILE="+status)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", j.Script, err)
	}
	// Reap the wrapper if this process lives on (in-process tests); a
	// short-lived sbatch just exits and leaves it to init.
	go cmd.Wait() //nolint:errcheck // the status file carries the result
	j.Exec = &ExecInfo{PID: cmd.Process.Pid, StatusFile: status}
	return nil
}

// jobEnv is the caller's environment (sbatch --export=ALL) plus the
// variables Slurm sets for a batch job.
func (e *env) jobEnv(j *Job) []string {
	id := strconv.Itoa(j.ID)
	env := append([]string{}, e.environ...)
	env = append(env, "SLURM_JOB_ID="+id, "SLURM_JOBID="+id, "SLURM_JOB_NAME="+j.Name,
		"SLURM_SUBMIT_DIR="+e.cwd, "SLURM_JOB_NUM_NODES=1", "SLURM_NNODES=1")
	if j.Partition != "" {
		env = append(env, "SLURM_JOB_PARTITION="+j.Partition)
	}
	return env
}

// openJobOutput opens the files for the job's stdout and stderr: --output
// (default slurm-%j.out) and --error (default: the same file), relative to
// the working directory, truncated once as with --open-mode=truncate. Both
// append, so that when they share a file neither overwrites the other's
// lines.
func openJobOutput(j *Job) (stdout, stderr *os.File, err error) {
	outPath := OutputPath(j.Output, j.WorkDir, j.ID, j.Name)
	stdout, err = os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	errPath := outPath
	if j.ErrorPath != "" {
		errPath = OutputPath(j.ErrorPath, j.WorkDir, j.ID, j.Name)
	}
	if errPath == outPath {
		stderr, err = os.OpenFile(outPath, os.O_WRONLY|os.O_APPEND, 0o644)
	} else {
		stderr, err = os.OpenFile(errPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	}
	if err != nil {
		stdout.Close()
		return nil, nil, err
	}
	return stdout, stderr, nil
}

// OutputPath expands an sbatch --output pattern the way slurmstepd does for
// the replacements our jobs use (%j job id, %x job name, %% a percent sign);
// "" means slurm-%j.out, and relative paths are relative to workdir.
func OutputPath(pattern, workdir string, id int, name string) string {
	if pattern == "" {
		pattern = "slurm-%j.out"
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '%' || i+1 >= len(pattern) {
			b.WriteByte(pattern[i])
			continue
		}
		i++
		switch pattern[i] {
		case 'j', 'A':
			b.WriteString(strconv.Itoa(id))
		case 'x':
			b.WriteString(name)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(pattern[i])
		}
	}
	p := b.String()
	if !filepath.IsAbs(p) {
		p = filepath.Join(workdir, p)
	}
	return p
}

// reapExec ends a running exec job whose script has exited.
func (e *env) reapExec(j *Job, now int64) {
	status, ok := readStatus(j.Exec.StatusFile)
	if !ok {
		if !processGone(j.Exec.PID) {
			return
		}
		// The wrapper is gone; it may have written the status just now.
		if status, ok = readStatus(j.Exec.StatusFile); !ok {
			j.finish(stateFailed, "0:9", now)
			killGroup(j.Exec.PID)
			return
		}
	}
	if status == 0 {
		j.finish(stateCompleted, "0:0", now)
	} else {
		j.finish(stateFailed, exitCodeFromStatus(status), now)
	}
	// Slurm kills whatever the script left behind when the job ends.
	killGroup(j.Exec.PID)
}

func readStatus(path string) (int, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	return n, err == nil
}

// processGone reports whether pid no longer runs. A zombie (exited, not yet
// reaped by an init that does not reap) counts as gone.
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i >= 0 && i+2 < len(data) && data[i+2] == 'Z'
}

// terminate signals an exec job's process group the way slurmstepd ends a
// job: SIGCONT and SIGTERM now, SIGKILL after KillWait (on a later call).
func (e *env) terminate(j *Job) {
	if j.Exec == nil {
		return
	}
	syscall.Kill(-j.Exec.PID, syscall.SIGCONT)
	syscall.Kill(-j.Exec.PID, syscall.SIGTERM)
	j.Exec.KillAt = e.unix() + int64(e.intEnv(EnvKillWait, 5))
}

// killGroup sends SIGKILL to the process group the fake started; errors
// (the group is already gone) do not matter.
func killGroup(pgid int) {
	if pgid > 0 {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
