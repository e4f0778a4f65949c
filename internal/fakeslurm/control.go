package fakeslurm

import (
	"fmt"
	"strconv"
	"strings"
)

const controlUsage = `usage: nsv-fakeslurm COMMAND [ARGS]

Jobs:
  set ID STATE [EXITCODE]   end or move a job: set 3 TIMEOUT, set 4 FAILED 1:0,
                            set 5 "CANCELLED by 1000" (CANCELLED alone: by the caller's uid)
  run ID                    make a job RUNNING with start time now
  pending ID REASON         keep a job PENDING with squeue reason REASON (JobHeldUser, ...)
  hide ID | show ID         remove / restore the job's sacct row (show also ends "allocation")
  allocation ID             sacct shows JobName "allocation", empty WorkDir and Comment
  purge                     drop ended jobs from squeue (slurmctld forgot them)
  list [--json]             all jobs
  jobs [--live]             "NAME COUNT" per job name (--live: PENDING/RUNNING only)
  wait ID [TIMEOUT]         block until the job ended (exec mode: its script exited); print its state
  kill-jobs                 SIGKILL the process groups of exec-mode jobs (test cleanup)

Hands-off outcomes:
  script [--clear] OUTCOME...   queue outcomes for the next sbatch calls, in order:
                            STATE[:CODE]@K = start on first sight, end in STATE after K
                            more sacct calls (TIMEOUT@3 FAILED:1@2 COMPLETED@1);
                            afterwards new jobs start on first sight and keep RUNNING

Faults (consumed by the next calls of CMD = sbatch|sacct|squeue|scancel):
  fault CMD [--rc N] [--stderr TEXT] [--stdout TEXT] [--sleep DUR] [--create] [--times N]
                            no option: the real outage error of CMD; --stdout alone: that
                            output with rc 0; --sleep alone: answer normally but late;
                            --create (sbatch): create the job, then fail with "Socket timed
                            out"; --times 0: until clear-faults (default 1)
  clear-faults

Slurm programs: nsv-fakeslurm sbatch|sacct|squeue|scancel ARGS (or symlink the binary).
Environment: FAKESLURM_DIR (required), FAKESLURM_FIRST_ID, FAKESLURM_RECORD_ENV,
  FAKESLURM_MINJOBAGE, FAKESLURM_EXEC, FAKESLURM_KILLWAIT, FAKESLURM_SACCT_LAG,
  FAKESLURM_NOW, FAKESLURM_UID, FAKESLURM_PARTITIONS, FAKESLURM_ACCOUNTS.
`

// control runs an nsv-fakeslurm command.
func (e *env) control(args []string) int {
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "set":
		err = e.controlSet(rest)
	case "run":
		err = e.controlJob(rest, e.runJob)
	case "pending":
		err = e.controlPending(rest)
	case "hide", "show", "allocation":
		err = e.controlJob(rest, func(j *Job) error { setVisibility(j, cmd); return nil })
	case "purge":
		err = e.update(func(w *world) error { purge(w); return nil })
	case "list":
		err = e.controlList(rest)
	case "jobs":
		err = e.controlJobs(rest)
	case "wait":
		err = e.controlWait(rest)
	case "kill-jobs":
		err = e.update(func(w *world) error { killAll(w); return nil })
	case "script":
		err = e.controlScript(rest)
	case "fault":
		err = e.controlFault(rest)
	case "clear-faults":
		err = e.update(func(w *world) error { w.Faults = nil; return nil })
	default:
		err = fmt.Errorf("unknown command %q (see nsv-fakeslurm help)", cmd)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: %v\n", ControlProgram, err)
		return 1
	}
	return 0
}

// controlPending keeps a pending job pending, for the given reason.
func (e *env) controlPending(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: pending ID REASON")
	}
	return e.withJob(args[0], func(j *Job) error {
		if j.State != statePending {
			return fmt.Errorf("job %d is %s, not %s", j.ID, j.State, statePending)
		}
		j.PendingReason, j.AutoRun, j.Outcome = args[1], false, nil
		return nil
	})
}

// controlJob applies fn to the job named by the single argument.
func (e *env) controlJob(args []string, fn func(j *Job) error) error {
	if len(args) != 1 {
		return fmt.Errorf("want exactly one job id, got %q", args)
	}
	return e.withJob(args[0], fn)
}

func (e *env) withJob(rawID string, fn func(j *Job) error) error {
	id, err := strconv.Atoi(rawID)
	if err != nil {
		return fmt.Errorf("job id %q: not a number", rawID)
	}
	return e.update(func(w *world) error {
		e.reap(w)
		j := w.job(id)
		if j == nil {
			return fmt.Errorf("no job %d", id)
		}
		return fn(j)
	})
}

// controlSet moves a job to any state, ending it if the state is final.
func (e *env) controlSet(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return fmt.Errorf("usage: set ID STATE [EXITCODE]")
	}
	state := strings.TrimSpace(args[1])
	base := strings.ToUpper(baseState(state))
	if !liveStates[base] && !endedStates[base] {
		return fmt.Errorf("unknown state %q", state)
	}
	state = base + state[len(base):] // "cancelled by 5" -> "CANCELLED by 5"
	if state == stateCancelled {
		state = cancelledBy(e.uid)
	}
	exit := defaultExitCode(base)
	if len(args) == 3 {
		var err error
		if exit, err = normalizeExitCode(args[2]); err != nil {
			return err
		}
	}
	return e.withJob(args[0], func(j *Job) error {
		now := e.unix()
		switch {
		case base == statePending:
			j.State, j.ExitCode, j.Start, j.End = state, exit, 0, 0
		case liveStates[base]:
			if j.Start == 0 || !j.Live() {
				j.Start = now
			}
			j.State, j.ExitCode, j.End = state, exit, 0
		default:
			if j.Start == 0 && base != stateCancelled && base != "DEADLINE" {
				j.Start = now // only a cancel or a deadline ends a job that never ran
			}
			j.finish(state, exit, now)
			e.terminate(j)
		}
		j.Outcome, j.AutoRun = nil, false
		return nil
	})
}

// runJob starts a job now; a scripted job keeps its outcome and starts its
// countdown.
func (e *env) runJob(j *Job) error {
	if j.State == statePending && j.PendingReason == reasonDependency {
		return fmt.Errorf("job %d waits for job %d to end (Dependency)", j.ID, j.AfterAny)
	}
	j.State, j.Start, j.End, j.ExitCode = stateRunning, e.unix(), 0, "0:0"
	if j.Outcome != nil {
		j.Countdown = j.Outcome.After
	}
	return nil
}

func setVisibility(j *Job, cmd string) {
	switch cmd {
	case "hide":
		j.Hidden = true
	case "show":
		j.Hidden, j.Allocation, j.SacctLag = false, false, 0
	case "allocation":
		j.Allocation = true
	}
}

func purge(w *world) {
	for _, j := range w.Jobs {
		if !j.Live() {
			j.Purged = true
		}
	}
}

func killAll(w *world) {
	for _, j := range w.Jobs {
		if j.Exec != nil {
			killGroup(j.Exec.PID)
			j.Exec.KillAt = 0
		}
	}
}

func (e *env) controlScript(args []string) error {
	var outcomes []Outcome
	clear := false
	for _, a := range args {
		if a == "--clear" {
			clear = true
			continue
		}
		for _, word := range strings.Fields(a) {
			o, err := ParseOutcome(word)
			if err != nil {
				return err
			}
			outcomes = append(outcomes, o)
		}
	}
	return e.update(func(w *world) error {
		if clear {
			w.Outcomes = nil
		}
		w.Outcomes = append(w.Outcomes, outcomes...)
		w.AutoRun = true
		return nil
	})
}
