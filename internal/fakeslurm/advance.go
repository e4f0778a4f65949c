package fakeslurm

// reap brings every job up to date with the clock and the processes before
// any command looks at the state: exec jobs whose script exited end
// COMPLETED or FAILED, running jobs past their time limit end in TIMEOUT,
// and process groups past KillWait get SIGKILL.
func (e *env) reap(w *world) {
	now := e.unix()
	for _, j := range w.Jobs {
		e.releaseDependency(w, j, now)
		if j.State == stateRunning && j.Exec != nil {
			e.reapExec(j, now)
		}
		if j.State == stateRunning && j.TimeLimitMin > 0 && j.Start > 0 &&
			now-j.Start >= int64(j.TimeLimitMin)*60 {
			j.finish(stateTimeout, "0:0", now)
			e.terminate(j)
		}
		if !j.Live() && j.Exec != nil && j.Exec.KillAt > 0 && now >= j.Exec.KillAt {
			killGroup(j.Exec.PID)
			j.Exec.KillAt = 0
		}
	}
}

// observe moves a scripted job along because a sacct (bySacct) or squeue
// call saw it: a pending job starts, and a running one counts down the
// sacct calls left before its outcome.
func (e *env) observe(j *Job, bySacct bool) {
	if j.Outcome == nil && !j.AutoRun {
		return
	}
	now := e.unix()
	if j.State == statePending && j.End == 0 {
		if j.Outcome != nil && j.Outcome.State == statePending || j.PendingReason == reasonDependency {
			return
		}
		j.State, j.Start = stateRunning, now
		if j.Outcome != nil {
			j.Countdown = j.Outcome.After
			e.endIfDue(j, now)
		}
		return
	}
	if j.State == stateRunning && bySacct && j.Outcome != nil {
		j.Countdown--
		e.endIfDue(j, now)
	}
}

// endIfDue applies the job's outcome once its countdown has run out.
// A RUNNING outcome never ends.
func (e *env) endIfDue(j *Job, now int64) {
	o := j.Outcome
	if o == nil || o.State == stateRunning || j.Countdown > 0 {
		return
	}
	state := o.State
	if state == stateCancelled {
		state = cancelledBy(e.uid)
	}
	j.finish(state, o.ExitCode, now)
}
