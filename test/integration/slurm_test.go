package integration

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// The tests ask Slurm with its own tools, independently of pkg/slurm, so a
// parser bug there cannot hide a wrong decision here.

const slurmTime = "2006-01-02T15:04:05"

// sacctJob is one allocation row of sacct.
type sacctJob struct {
	ID, Name, State, ExitCode string
	Submit, Start, End        time.Time
	WorkDir, Comment          string
}

const sacctFields = "JobID,JobName,State,ExitCode,Submit,Start,End,WorkDir,Comment"

// sacctDelimiter separates the fields of the tests' own sacct calls: job
// names and working directories may hold '|' (pipes_test.go).
const sacctDelimiter = "--delimiter=\x1f"

func parseSacctRows(out string) []sacctJob {
	var jobs []sacctJob
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(line, "\x1f", 9)
		if len(f) < 9 || strings.Contains(f[0], ".") {
			continue
		}
		jobs = append(jobs, sacctJob{
			ID: f[0], Name: f[1], State: f[2], ExitCode: f[3],
			Submit: localTime(f[4]), Start: localTime(f[5]), End: localTime(f[6]),
			WorkDir: f[7], Comment: f[8],
		})
	}
	return jobs
}

func localTime(s string) time.Time {
	t, err := time.ParseInLocation(slurmTime, s, time.Local)
	if err != nil {
		return time.Time{}
	}
	return t
}

// sacctByID is the sacct row of one job (any age).
func sacctByID(id string) (sacctJob, error) {
	out, err := slurmlab.Cmd("sacct", "-X", "-n", "--parsable2", sacctDelimiter, "-j", id, "-o", sacctFields)
	if err != nil {
		return sacctJob{}, err
	}
	for _, j := range parseSacctRows(out) {
		if j.ID == id {
			return j, nil
		}
	}
	return sacctJob{}, fmt.Errorf("sacct has no row for job %s", id)
}

// scenarioJobs is every job sacct knows that belongs to the scenario: its
// name, its working directory or the daemon's tag for its run. Right after
// a job ends sacct may still call it "allocation" with an empty workdir
// (SLURM-FACTS.md), and after a slurmdbd outage it may still say RUNNING
// for a job squeue no longer lists; so this waits, up to a bound, until
// neither an anonymous row submitted since the scenario started nor such a
// stale row is left.
func (s *scenario) scenarioJobs() []sacctJob {
	s.t.Helper()
	since := s.started.Add(-time.Minute).Format(slurmTime)
	end := time.Now().Add(60 * time.Second)
	for {
		out, err := slurmlab.Retry("sacct", "-X", "-n", "--parsable2", sacctDelimiter, "-S", since, "-E", "now", "-o", sacctFields)
		if err != nil {
			s.t.Fatalf("%v", err)
		}
		var ours []sacctJob
		unsettled := 0
		for _, j := range parseSacctRows(out) {
			switch {
			case j.Name == s.jobName || j.WorkDir == s.dir || strings.HasPrefix(j.Comment, "nsv:"+s.jobName+":"):
				ours = append(ours, j)
				if live[j.State] && queueState(j.ID) == "" {
					unsettled++ // stale: squeue has let it go
				}
			case j.Name == "allocation" && j.WorkDir == "" && !j.Submit.Before(s.started.Truncate(time.Second)):
				// sacct's times are whole seconds
				unsettled++
			}
		}
		// A time-window query leaves a job out for a few seconds after it
		// was cancelled (measured: 2.4 s), though sacct -j has it: a job
		// the daemon reported is waited for too.
		for _, id := range s.submitted() {
			if !slices.ContainsFunc(ours, func(j sacctJob) bool { return j.ID == id }) {
				unsettled++
			}
		}
		if unsettled == 0 || time.Now().After(end) {
			if unsettled > 0 {
				s.logf("sacct still has %d anonymous, stale or missing rows; taking it as it is", unsettled)
			}
			return ours
		}
		time.Sleep(time.Second)
	}
}

// live are the sacct states of a job that has not ended.
var live = map[string]bool{"PENDING": true, "RUNNING": true, "REQUEUED": true, "SUSPENDED": true, "COMPLETING": true}

// queued is one squeue line: id and state.
type queued struct{ ID, State string }

// squeueByName lists the live (pending, running, completing) jobs with
// that name, of any user.
func squeueByName(name string) ([]queued, error) {
	out, err := slurmlab.Retry("squeue", "-h", "--name="+name, "-o", "%i|%T")
	if err != nil {
		return nil, err
	}
	var q []queued
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if id, state, ok := strings.Cut(line, "|"); ok {
			q = append(q, queued{ID: id, State: state})
		}
	}
	return q, nil
}

// queueState is the job's squeue state, "" once squeue no longer lists it.
func queueState(id string) string {
	out, err := slurmlab.Cmd("squeue", "-h", "-j", id+","+id, "-o", "%T")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(out)
}

// queueStateSure is queueState retried while squeue fails ("?").
func queueStateSure(id string) string {
	state := queueState(id)
	for end := time.Now().Add(30 * time.Second); state == "?" && time.Now().Before(end); state = queueState(id) {
		time.Sleep(time.Second)
	}
	return state
}

func scancelName(name string) {
	_, _ = slurmlab.Cmd("scancel", "--name="+name)
}

func squeueRaw(name string) string {
	out, err := slurmlab.Cmd("squeue", "--name="+name, "-o", "%i %j %T %r %M %l")
	if err != nil {
		return err.Error()
	}
	return out
}

func sacctRaw(name string) string {
	out, err := slurmlab.Cmd("sacct", "-X", "-n", "--parsable2", sacctDelimiter, "--name="+name, "-S", "now-1hour", "-E", "now", "-o", sacctFields)
	if err != nil {
		return err.Error()
	}
	return out
}
