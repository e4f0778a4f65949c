package run

import (
	"fmt"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// time_limit: fit. A job killed at its time limit loses everything after
// its last save; fitting its --time to end just after that save gives the
// tail back to the cluster and starts the next job sooner. The fit comes
// from the run's cadence (cadence.go), measured on its jobs' saves.

// fitMinMargin is the least margin after the last save: save intervals
// vary a little from job to job, and a margin too thin loses a whole
// interval. Slurm adds its own 0-30 s on top (it checks limits every 30 s).
const fitMinMargin = 30 * time.Second

// fitTimeLimit is the time limit that lets a job of the given cadence
// finish every save it could finish within limit, and no more: the restart,
// whole save intervals and a margin (0.5 %, at least fitMinMargin), in whole
// minutes as Slurm counts them. ok is false when that is not shorter than
// limit, or when not even one save fits.
func fitTimeLimit(limit time.Duration, c Cadence) (time.Duration, bool) {
	if limit <= 0 || c.SaveInterval <= 0 {
		return 0, false
	}
	n := int((limit - c.Restart) / c.SaveInterval)
	if n < 1 {
		return 0, false
	}
	work := c.Restart + time.Duration(n)*c.SaveInterval
	fit := work + max(fitMinMargin, work/200)
	fit = (fit + time.Minute - 1) / time.Minute * time.Minute
	if fit >= limit {
		return 0, false
	}
	return fit, true
}

// fittedLimit is the --time of the next submission with time_limit: fit
// (0: keep the job's own), and the evidence for the log. The limit fitted
// into is the user's (sbatch_args or the script), else what sacct showed
// for the run's newest job that was not fitted.
func (d *decider) fittedLimit() (time.Duration, []any) {
	st := &d.next
	c, measured := RunCadence(*st)
	if !d.in.Spec.FitTimeLimit || !measured {
		return 0, nil
	}
	if j := st.Job; j != nil && j.Outcome == ReasonFitTooShort {
		return 0, nil // the last fit was too tight: one job with the full limit
	}
	limit := d.in.Spec.TimeLimit
	jobs := st.Jobs()
	for i := len(jobs) - 1; i >= 0 && limit <= 0; i-- {
		if j := jobs[i]; j.FittedLimit == 0 {
			limit = j.TimeLimit
		}
	}
	fit, ok := fitTimeLimit(limit, c)
	if !ok {
		return 0, nil
	}
	return fit, []any{FieldTimeLimit, fit.String(), "user_time_limit", limit.String(),
		FieldSaveInterval, c.SaveInterval.Round(time.Second).String(), "steps_per_save", c.StepsPerSave,
		"restart_overhead", c.Restart.Round(time.Second).String()}
}

// lastSaveMinMargin is the least time by which the next save must be
// expected to end before the job's limit for the job to be left running:
// save intervals vary a little. A margin too wide cancels one save early,
// which costs little (the allocation shrinks by more than the training it
// moves to the next job); one too thin loses an interval at the TIMEOUT.
const lastSaveMinMargin = 5 * time.Second

// checkLastSave cancels a running job of a run with time_limit: fit right
// after its newest save when that is the last it can finish before its
// time limit: what it trains afterwards would be lost at the TIMEOUT, and
// the next job starts from the save sooner. It never cancels without a
// measured cadence and a known num_iterations, when the run can finish in
// this job, while a newer step is being written or the newest complete
// step is not this job's and the one to resume from, or a second time. It
// reports whether the job is being cancelled for it.
func (d *decider) checkLastSave(row *slurm.Job) bool {
	st, job, ck := &d.next, d.next.Job, d.in.Ckpt
	if job.CancelReason == ReasonLastSave {
		d.cancelJob(ReasonLastSave) // scancel again if it is still live after cancelRetry
		return true
	}
	c, measured := RunCadence(*st)
	if !d.in.Spec.FitTimeLimit || !measured || !job.CancelSent.IsZero() || row.State.Name != slurm.StateRunning ||
		row.Start.IsZero() || row.TimeLimit <= 0 || ck.Err != nil || st.Hold != nil || st.PlannedTotal <= 0 {
		return false
	}
	end := row.Start.Add(row.TimeLimit)
	margin := max(lastSaveMinMargin, c.SaveInterval/20)
	if ck.Settling {
		// A save being written now may be the last that fits: look again
		// as soon as it has settled, not a poll interval later.
		if d.in.Now.Add(c.SaveInterval + margin).After(end) {
			d.recheckIn(shortRecheck)
		}
		return false
	}
	saves := jobSaves(st.Saves, *job)
	if len(saves) == 0 {
		return false
	}
	s := saves[len(saves)-1]
	if s.Step != ck.Newest || s.Step != d.newestUsable() || s.Step >= st.PlannedTotal {
		return false
	}
	perStep := c.SaveInterval / time.Duration(c.StepsPerSave)
	if !s.ModTime.Add(time.Duration(st.PlannedTotal-s.Step) * perStep).After(end) {
		return false // the run finishes in this job
	}
	if !s.ModTime.Add(c.SaveInterval + margin).After(end) {
		return false // the next save fits
	}
	d.cancelJob(ReasonLastSave, FieldTimeLeft, end.Sub(d.in.Now).Round(time.Second).String(),
		FieldSaveInterval, c.SaveInterval.Round(time.Second).String())
	return true
}

// TimeFlag is the sbatch option for a fitted limit, in whole minutes.
func TimeFlag(limit time.Duration) string {
	return fmt.Sprintf("--time=%d", int((limit+time.Minute-1)/time.Minute))
}
