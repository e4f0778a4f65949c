package run

import (
	"cmp"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
)

// noteSteps records what the current job's log shows of its training
// steps, for the accounting (pkg/goodput). The first time a step line is
// seen, the moment it was printed is estimated from the steps since,
// kept within the job's run time: a log shared by several jobs counts
// their steps too. Nothing is taken from a log before its job is known
// to have started: a shared log then holds only earlier jobs' steps.
func (d *decider) noteSteps() {
	job, steps := d.next.Job, d.in.Log.Steps
	if job == nil || job.Handled || job.Start.IsZero() || steps == nil || steps.Lines == 0 {
		return
	}
	s := *steps
	job.Steps = &s
	if !job.FirstStepAt.IsZero() {
		return
	}
	at := d.in.Now.Add(-time.Duration(s.LastStep-s.FirstStep) * s.StepTime)
	if at.Before(job.Start) {
		at = job.Start
	}
	job.FirstStepAt = at
	d.dirty = true
}

// accountEnded is the job_accounted event of a job whose end is being
// handled: its line of the report, in the journal for good.
func (d *decider) accountEnded(job *JobRecord) {
	a := goodput.Account([]goodput.Job{accountingJob(*job, true, job.NewestStepAtEnd)}, d.in.Now).Jobs[0]
	kv := []any{FieldJobID, job.ID, FieldState, job.State, "unit", a.Unit, "units", a.Count,
		"alloc_hours", round3(a.AllocHours), "banked_steps", a.BankedSteps, "lost_steps", a.LostSteps,
		"lost_hours", round3(a.LostHours), "queue_wait", a.QueueWait.String()}
	if a.StepTime > 0 {
		kv = append(kv, "step_time", a.StepTime.String())
	}
	if a.Restart > 0 {
		kv = append(kv, "restart", a.Restart.String())
	}
	d.event(EventJobAccounted, kv...)
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// accountingJob is what pkg/goodput needs of a job record. newest is the
// newest complete step at the job's end, or now while it runs.
func accountingJob(j JobRecord, ended bool, newest int) goodput.Job {
	g := goodput.Job{ID: j.ID, State: j.State, Ended: ended, Submit: j.SlurmSubmit, Start: j.Start, End: j.End,
		Elapsed: j.Elapsed, AllocTRES: j.AllocTRES, NodeList: j.NodeList, ResumeStep: j.ResumeStep, NewestStep: newest,
		FirstStepAt: j.FirstStepAt, Steps: goodput.StepStats{FirstStep: -1, LastStep: -1}}
	if g.Submit.IsZero() {
		g.Submit = j.Submitted
	}
	if g.Elapsed == 0 && !j.Start.IsZero() && !j.End.IsZero() {
		g.Elapsed = j.End.Sub(j.Start)
	}
	if j.Steps != nil {
		g.Steps = *j.Steps
	}
	return g
}

// AccountRun is the report of a run's jobs, oldest first, as of now.
func AccountRun(st RunState, now time.Time) goodput.RunAccount {
	var jobs []goodput.Job
	for _, h := range st.History {
		jobs = append(jobs, accountingJob(h, true, h.NewestStepAtEnd))
	}
	if j := st.Job; j != nil {
		newest := st.NewestStep
		if j.Handled {
			newest = j.NewestStepAtEnd
		}
		jobs = append(jobs, accountingJob(*j, j.Handled, newest))
	}
	return goodput.Account(jobs, now)
}

// AdviseSaveEvery advises the run's --save-every from its measured step
// time, save interval (RunCadence, as the stall alarm uses) and restart
// time, its last job's time limit, and the newest checkpoint's
// user_config: the evaluation cadences and num_iterations, and save_every
// for the current interval until two saves of one job are watched.
func AdviseSaveEvery(st RunState, acct goodput.RunAccount) (goodput.Advice, bool) {
	var limit time.Duration
	for _, j := range st.Jobs() {
		if j.TimeLimit > 0 {
			limit = j.TimeLimit
		}
	}
	var iv goodput.Interval
	if c, ok := RunCadence(st); ok {
		iv = goodput.Interval{Steps: c.StepsPerSave, Wall: c.SaveInterval, Pairs: 1}
	}
	var restarts []time.Duration
	for _, a := range acct.Jobs {
		if a.Restart > 0 {
			restarts = append(restarts, a.Restart)
		}
	}
	in := goodput.AdviceInput{StepTime: acct.StepTime, SaveCost: iv.SaveCost(acct.StepTime), TimeLimit: limit,
		Restart: goodput.Median(restarts), Current: cmp.Or(iv.Steps, st.SaveEvery),
		EvalEvery: st.EvalEvery, CoreEvery: st.CoreEvery, NumIterations: st.PlannedTotal}
	return goodput.Advise(in)
}

// Jobs is every job of the run, oldest first: the ended ones kept in
// History and the current one (once, should it also end History).
func (s RunState) Jobs() []JobRecord {
	jobs := slices.Clone(s.History)
	if j := s.Job; j != nil && (len(jobs) == 0 || !jobs[len(jobs)-1].Is(j.ID, j.Cluster)) {
		jobs = append(jobs, *j)
	}
	return jobs
}
