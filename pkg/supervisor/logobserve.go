package supervisor

import (
	"errors"
	"slices"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// observeLog reads the training log of the run's current job, and its
// error file when Slurm writes stderr elsewhere: failure hints and the
// time-limit line count from either.
func (s *Supervisor) observeLog(rc runConfig, st run.RunState) run.LogView {
	if st.Job == nil {
		return run.LogView{}
	}
	logPath, errPath := rc.jobLogPaths(st.Job)
	r := s.logs.readStream(rc.spec.Name+"/log", logPath)
	v := run.LogView{Path: r.Path, Summary: r.Summary, Steps: r.Steps, ModTime: r.ModTime, Missing: r.Missing, Err: r.Err,
		PrevModTime: r.PrevModTime, PrevLastStep: r.PrevLastStep}
	reads := []streamRead{r}
	if errPath != logPath {
		er := s.logs.readStream(rc.spec.Name+"/err", errPath)
		v.ErrPath = er.Path
		reads = append(reads, er)
		if es := er.Summary; es != nil {
			v.ErrLastLines = es.LastLines
			if v.Summary == nil {
				blank := (&trainer.LogTail{}).Summary()
				v.Summary = &blank
			}
			sum := *v.Summary
			sum.Hints = mergeHints(sum.Hints, es.Hints)
			sum.TimeLimitHit = sum.TimeLimitHit || es.TimeLimitHit
			v.Summary = &sum
		}
	}
	for _, r := range reads {
		if r.report {
			s.logUnreadable(rc.spec.Name, st.Job.ID, r)
		}
	}
	return v
}

func mergeHints(a, b []string) []string {
	out := slices.Clone(a)
	for _, h := range b {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// logUnreadable logs, once per file, that a log could not be read: not a
// regular file, a read error, or a read abandoned because it hung.
func (s *Supervisor) logUnreadable(runName, jobID string, r streamRead) {
	reason := run.ReasonLogError
	switch {
	case r.Abandoned:
		reason = run.ReasonLogReadTimeout
	case errors.Is(r.Err, errNotRegular):
		reason = run.ReasonLogNotRegular
	}
	e := run.NewEvent(run.EventLogUnreadable, runName, run.FieldJobID, jobID, run.FieldPath, r.Path, run.FieldReason, reason, run.FieldError, r.Err.Error())
	s.journal(s.now(), e, nil)
	s.emit(e)
}
