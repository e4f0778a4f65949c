package integration

import (
	"encoding/json"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"time"
)

// Checks shared by the scenarios.

// submitted is the new_job_id of every job_resubmitted event, in order.
func (s *scenario) submitted() []string {
	var ids []string
	for _, e := range s.events.matching("job_resubmitted", nil) {
		ids = append(ids, e.str("new_job_id"))
	}
	return ids
}

// assertJobsAccounted checks that sacct knows exactly want jobs of the
// scenario and that each is one the daemon reported submitting: no job
// was submitted behind the log's back, none twice.
func (s *scenario) assertJobsAccounted(want int) map[string]sacctJob {
	s.t.Helper()
	jobs := s.scenarioJobs()
	byID := map[string]sacctJob{}
	var got []string
	for _, j := range jobs {
		byID[j.ID] = j
		got = append(got, j.ID+"="+j.State)
	}
	sort.Strings(got)
	s.logf("sacct jobs of %s: %s", s.jobName, strings.Join(got, " "))
	reported := s.submitted()
	if len(jobs) != want {
		s.t.Errorf("sacct lists %d jobs named %s (%s), want %d", len(jobs), s.jobName, strings.Join(got, " "), want)
	}
	for id := range byID {
		if !slices.Contains(reported, id) {
			s.t.Errorf("job %s is in sacct but no job_resubmitted event reported it (reported: %v)", id, reported)
		}
	}
	for _, id := range reported {
		if _, ok := byID[id]; !ok {
			s.t.Errorf("job_resubmitted reported job %s, which sacct does not list under %s", id, s.jobName)
		}
	}
	return byID
}

// assertQueueHoldsAtMost checks that squeue lists no live job of the
// scenario other than the allowed ones.
func (s *scenario) assertQueueHoldsAtMost(allowed ...string) {
	s.t.Helper()
	q, err := squeueByName(s.jobName)
	if err != nil {
		s.t.Fatalf("%v", err)
	}
	for _, e := range q {
		if !slices.Contains(allowed, e.ID) {
			s.t.Errorf("squeue lists job %s (%s) of %s; only %v may be there", e.ID, e.State, s.jobName, allowed)
		}
	}
}

// waitQueued waits until squeue lists the job in one of the states.
func (s *scenario) waitQueued(id string, timeout time.Duration, states ...string) string {
	s.t.Helper()
	var state string
	s.waitUntil("job "+id+" in squeue as "+strings.Join(states, "/"), timeout, func() bool {
		state = queueState(id)
		return slices.Contains(states, state)
	})
	return state
}

// waitGone waits until squeue no longer lists the job.
func (s *scenario) waitGone(id string, timeout time.Duration) {
	s.t.Helper()
	s.waitUntil("job "+id+" to leave squeue", timeout, func() bool { return queueState(id) == "" })
}

// waitLog waits until the job's training log contains text, timeout from
// when the job leaves PENDING: on a shared cluster it may wait minutes for
// other tests' jobs to free the node first.
func (s *scenario) waitLog(id, text string, timeout time.Duration) {
	s.t.Helper()
	s.waitUntil("job "+id+" to start", 5*time.Minute, func() bool { return queueState(id) != "PENDING" })
	s.waitUntil("\""+text+"\" in slurm-"+id+".out", timeout, func() bool {
		return strings.Contains(s.trainLog(id), text)
	})
}

// ckptVerdict is the `nanosupervisord ckpt --json` report, cut down.
type ckptVerdict struct {
	Steps []struct {
		Step     int
		Complete bool
		Reason   string
	}
	NewestComplete *int `json:"newest_complete"`
}

// ckptVerb runs the ckpt verb on the scenario's checkpoint directory.
func (s *scenario) ckptVerb() ckptVerdict {
	s.t.Helper()
	out, err := exec.Command(suite.daemonBin, "ckpt", "--json", s.ckptDir).Output()
	var v ckptVerdict
	if jerr := json.Unmarshal(out, &v); jerr != nil {
		s.t.Fatalf("nanosupervisord ckpt --json %s: %v (exit: %v): %s", s.ckptDir, jerr, err, out)
	}
	return v
}

// reaction is the time from a job's end, as sacct records it (whole
// seconds), to the daemon's event.
func reaction(end time.Time, e event) float64 {
	return e.Time.Sub(end).Seconds()
}

// statusRow is one run of `nanosupervisord status --json`, cut down.
type statusRow struct {
	Run      string `json:"run"`
	Phase    string `json:"phase"`
	Reason   string `json:"reason"`
	JobID    string `json:"job_id"`
	Attempts int    `json:"attempts"`
}

// assertStatus runs the status verb on the scenario's config and checks
// the run's phase, reason and attempts as the state file has them.
func (s *scenario) assertStatus(phase, reason string, attempts int) {
	s.t.Helper()
	out, err := exec.Command(suite.daemonBin, "status", "--json", "--config", s.configPath).Output()
	var rows []statusRow
	if jerr := json.Unmarshal(out, &rows); jerr != nil || len(rows) != 1 {
		s.t.Fatalf("nanosupervisord status --json: %v (exit: %v): %s", jerr, err, out)
	}
	r := rows[0]
	s.logf("status: phase=%s reason=%s job=%s attempts=%d", r.Phase, r.Reason, r.JobID, r.Attempts)
	if r.Phase != phase || r.Reason != reason || r.Attempts != attempts {
		s.t.Errorf("status: phase=%s reason=%s attempts=%d, want %s %s %d", r.Phase, r.Reason, r.Attempts, phase, reason, attempts)
	}
}

// assertHistoryMatchesLog checks that the decision journal, as the history
// verb prints it, names the same submitted jobs, in the same order, as the
// daemons' log lines did.
func (s *scenario) assertHistoryMatchesLog() {
	s.t.Helper()
	out, err := exec.Command(suite.daemonBin, "history", s.jobName, "--json", "--config", s.configPath).Output()
	var recs []struct {
		Event  string         `json:"event"`
		Fields map[string]any `json:"fields"`
	}
	if jerr := json.Unmarshal(out, &recs); jerr != nil {
		s.t.Fatalf("nanosupervisord history %s --json: %v (exit: %v): %s", s.jobName, jerr, err, out)
	}
	var journal []string
	for _, r := range recs {
		if r.Event == "job_resubmitted" {
			id, _ := r.Fields["new_job_id"].(string)
			journal = append(journal, id)
		}
	}
	if logged := s.submitted(); !slices.Equal(journal, logged) {
		s.t.Errorf("history: submitted jobs %v, but the log said %v", journal, logged)
	}
}
