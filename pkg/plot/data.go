package plot

import (
	"cmp"
	"slices"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// Data is everything one plot shows.
type Data struct {
	// Run is the run's name; it titles the plot.
	Run string
	// ValBPB and Core are the evaluations, in any order. Points whose
	// value is NaN or infinite are left out.
	ValBPB, Core []trainer.Point
	// Jobs are the run's Slurm jobs, oldest first.
	Jobs []Job
	// TargetValBPB and TargetCore are drawn as dashed lines when set.
	TargetValBPB, TargetCore *float64
}

// Job is one Slurm job of the run and the steps it covered.
type Job struct {
	ID string
	// Attempt is the daemon's submission number; 0 for an adopted job.
	Attempt int
	// From is the step the job resumed from (0 for a fresh start) and To
	// the newest complete step when it ended (or now, while it runs).
	From, To int
	// Outcome says why the job ended ("timeout", "app_failure", ...), or
	// its state while it has not ended; "" when unknown.
	Outcome string
}

// finite returns the points with finite values, sorted by step. It never
// modifies its argument.
func finite(ps []trainer.Point) []trainer.Point {
	out := slices.DeleteFunc(slices.Clone(ps), func(p trainer.Point) bool { return !isFinite(p.Value) })
	slices.SortStableFunc(out, func(a, b trainer.Point) int { return cmp.Compare(a.Step, b.Step) })
	return out
}

// span returns the job's steps in order: a job recorded with To before
// From (it ended before writing a checkpoint) covers just From.
func (j Job) span() (from, to int) {
	return j.From, max(j.From, j.To)
}
