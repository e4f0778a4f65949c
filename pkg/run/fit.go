package run

import (
	"fmt"
	"time"
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
		"save_interval", c.SaveInterval.Round(time.Second).String(), "steps_per_save", c.StepsPerSave,
		"restart_overhead", c.Restart.Round(time.Second).String()}
}

// TimeFlag is the sbatch option for a fitted limit, in whole minutes.
func TimeFlag(limit time.Duration) string {
	return fmt.Sprintf("--time=%d", int((limit+time.Minute-1)/time.Minute))
}
