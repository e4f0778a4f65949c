package campaign

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// slurmJob is what Slurm's own tools say about one job of the campaign.
type slurmJob struct {
	ID, Run, State, Comment string
	Live                    bool
	Submit, End             time.Time // zero while unknown
}

const slurmTime = "2006-01-02T15:04:05"

// liveStates are sacct's states of a job that has not ended.
var liveStates = map[string]bool{"PENDING": true, "RUNNING": true, "REQUEUED": true, "SUSPENDED": true,
	"COMPLETING": true, "CONFIGURING": true, "RESIZING": true}

// runOf names the campaign run a job belongs to by its name or its tag.
func (c *campaign) runOf(name, comment string) *run {
	for _, r := range c.allRuns() {
		if name == r.name || strings.HasPrefix(comment, "nsv:"+r.name+":") {
			return r
		}
	}
	return nil
}

// slurmJobs merges squeue (live jobs, their comments) and sacct (every
// job since the campaign began). query is slurmlab.Cmd for a pass, which
// may find Slurm down, or slurmlab.Retry for the final checks.
func (c *campaign) slurmJobs(query func(string, ...string) (string, error)) (map[string]*slurmJob, error) {
	jobs := map[string]*slurmJob{}
	out, err := query("sacct", "-X", "-n", "--parsable2", "-S", c.started.Add(-time.Minute).Format(slurmTime), "-E", "now",
		"-o", "JobID,JobName,State,Submit,End,Comment")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 6 {
			continue
		}
		r := c.runOf(f[1], f[5])
		if r == nil {
			continue
		}
		submit, _ := time.ParseInLocation(slurmTime, f[3], time.Local)
		end, _ := time.ParseInLocation(slurmTime, f[4], time.Local)
		jobs[f[0]] = &slurmJob{ID: f[0], Run: r.name, State: f[2], Comment: f[5], Live: liveStates[f[2]], Submit: submit, End: end}
	}
	out, err = query("squeue", "-h", "-o", "%i|%j|%T|%k")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(line, "|", 4)
		if len(f) < 4 {
			continue
		}
		r := c.runOf(f[1], f[3])
		if r == nil {
			continue
		}
		j := jobs[f[0]]
		if j == nil {
			j = &slurmJob{ID: f[0], Run: r.name}
			jobs[f[0]] = j
		}
		// squeue is the authority on which jobs are live; sacct lags.
		j.State, j.Comment, j.Live = f[2], f[3], true
	}
	for _, j := range jobs {
		if j.Live && !squeueListed(out, j.ID) {
			j.Live = false // sacct still says so, squeue has let it go
		}
	}
	return jobs, nil
}

func squeueListed(out, id string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, id+"|") {
			return true
		}
	}
	return false
}

// journal is one run's decision journal as `history --json` prints it.
type journal struct {
	intents   map[string]bool   // tags of submit_intent records
	submitted map[string]string // job id -> resume_step of job_resubmitted
	adopted   map[string]bool   // job ids of run_adopted
	records   []record
}

type record struct {
	Time   time.Time      `json:"time"`
	Event  string         `json:"event"`
	Fields map[string]any `json:"fields"`
}

// reached reports whether the journal says the run reached its targets.
func (j journal) reached() bool {
	for _, rec := range j.records {
		if rec.Event == "run_target_reached" {
			return true
		}
	}
	return false
}

func (r record) str(key string) string { return event{Fields: r.Fields}.str(key) }

// readJournal runs the history verb for a run.
func (c *campaign) readJournal(r *run) (journal, error) {
	cmd := exec.Command(lab.DaemonBin, "history", r.name, "--json", "--config", c.configPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	j := journal{intents: map[string]bool{}, submitted: map[string]string{}, adopted: map[string]bool{}}
	if err != nil {
		return j, fmt.Errorf("history %s: %v: %s", r.name, err, stderr.String())
	}
	// Config warnings (a short poll_interval) go to stderr too; only the
	// journal's own problems are the campaign's business.
	for _, line := range strings.Split(stderr.String(), "\n") {
		if p, ok := strings.CutPrefix(line, "warning: journal: "); ok {
			c.judgeJournalProblem(r, p)
		}
	}
	if err := json.Unmarshal(out, &j.records); err != nil {
		return j, fmt.Errorf("history %s --json: %v", r.name, err)
	}
	for _, rec := range j.records {
		switch rec.Event {
		case "submit_intent":
			j.intents[rec.str("tag")] = true
		case "job_resubmitted":
			j.submitted[rec.str("new_job_id")] = rec.str("resume_step")
		case "run_adopted":
			j.adopted[rec.str("job_id")] = true
		}
	}
	return j, nil
}

// recordTime finds the time field at the start of a journal line that a
// journal problem quotes (escaped, as Go's %q prints it).
var recordTime = regexp.MustCompile(`\\"time\\":\\"([^"\\]+)\\"`)

// judgeJournalProblem: a journal line that does not read is expected
// only when it was written while the state disk was full (a write cut
// short by ENOSPC, which the ledger ends with a newline at its next
// append); any other is a violation.
func (c *campaign) judgeJournalProblem(r *run, problem string) {
	m := recordTime.FindStringSubmatch(problem)
	var at time.Time
	if m != nil {
		at, _ = time.Parse(time.RFC3339Nano, m[1])
	}
	// Every run's history reads the one journal: key by the line, torn
	// at the end of the file or not.
	key := "journal:" + problem
	if m != nil {
		key = "journal:" + m[1]
	}
	c.mu.Lock()
	expected := false
	for _, w := range c.fullWindows {
		// A line cut before its time field is judged by when it is seen.
		in := !at.Before(w[0]) && !at.After(w[1])
		if in || m == nil && time.Since(w[1]) < time.Minute {
			expected = true
		}
	}
	seen := c.seen[key]
	c.seen[key] = true
	c.mu.Unlock()
	switch {
	case seen:
	case expected:
		c.fig.add("journal_lines_cut_by_full_disk", 1)
		c.logf("%s: journal line cut short by the full disk: %s", r.name, problem)
	default:
		c.violate(key, "history %s: a journal line that no full disk explains: %s", r.name, problem)
	}
}

// check is one pass over the invariants; label says after what.
func (c *campaign) check(label string) {
	c.t.Helper()
	c.fig.add("passes", 1)
	jobs, err := c.slurmJobs(slurmlab.Cmd)
	if err != nil {
		c.fig.add("blind_passes", 1)
		c.logf("pass (%s): Slurm does not answer, checks deferred: %v", label, err)
		return
	}
	c.noteJobs(jobs)
	journals := map[string]journal{}
	for _, r := range c.allRuns() {
		j, err := c.readJournal(r)
		if err != nil {
			c.violate("journal:"+err.Error(), "after %s: journal of %s unreadable: %v", label, r.name, err)
			continue
		}
		journals[r.name] = j
	}
	c.checkOneLive(label, jobs)
	c.checkTags(label, jobs, journals)
	c.checkLogs(label, jobs)
}

// noteJobs keeps the count of distinct jobs seen.
func (c *campaign) noteJobs(jobs map[string]*slurmJob) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jobIDs == nil {
		c.jobIDs = map[string]bool{}
	}
	for id := range jobs {
		if !c.jobIDs[id] {
			c.jobIDs[id] = true
			c.fig.add("jobs", 1)
		}
	}
}

// checkOneLive: never two live jobs for one run.
func (c *campaign) checkOneLive(label string, jobs map[string]*slurmJob) {
	live := map[string][]string{}
	for _, j := range jobs {
		if j.Live {
			live[j.Run] = append(live[j.Run], j.ID+"("+j.State+" "+j.Comment+")")
		}
	}
	for run, ids := range live {
		if len(ids) > 1 {
			sort.Strings(ids)
			c.violate("twins:"+strings.Join(ids, ","), "after %s: run %s has %d live jobs: %s", label, run, len(ids), strings.Join(ids, " "))
		}
	}
}

// checkTags: every job Slurm has for a run carries the tag of an intent
// the run's journal holds, so no job was submitted without a durable
// record of the decision. A job whose comment Slurm does not show yet is
// checked at a later pass.
func (c *campaign) checkTags(label string, jobs map[string]*slurmJob, journals map[string]journal) {
	for _, j := range jobs {
		jr, ok := journals[j.Run]
		if !ok || j.Comment == "" {
			continue
		}
		if !jr.intents[j.Comment] {
			c.violate("untagged:"+j.ID, "after %s: job %s of %s carries tag %q, which no intent in the journal has",
				label, j.ID, j.Run, j.Comment)
		}
	}
}

var (
	resumeLine = regexp.MustCompile(`Resuming optimization from step (\d+)`)
	loadFailed = regexp.MustCompile(`(?m)^.*= load_checkpoint\(.*\n(?:.*\n)*?(\w+(?:\.\w+)*(?:Error|Exception)[^\n]*)`)
)

// checkLogs reads each job's training log: no job may fail to load the
// checkpoint it was told to resume from (the trainer loads it as
// nanochat does and dies on a torn file), and none may start from
// scratch once its run had a complete checkpoint before it was submitted.
func (c *campaign) checkLogs(label string, jobs map[string]*slurmJob) {
	for _, j := range jobs {
		r := c.runOf(j.Run, "")
		text, err := os.ReadFile(filepath.Join(r.dir, "slurm-"+j.ID+".out"))
		if err != nil {
			continue // not started yet
		}
		log := string(text)
		if m := loadFailed.FindStringSubmatch(log); m != nil {
			c.violate("torn-resume:"+j.ID, "after %s: job %s of %s resumed from a step that was not complete: %s (%s)",
				label, j.ID, j.Run, strings.TrimSpace(m[1]), firstMatch(resumeLine, log))
		}
		c.mu.Lock()
		first := r.firstComplete
		c.mu.Unlock()
		started := strings.Contains(log, "Training command:")
		fresh := !strings.Contains(log, "--resume-from-step=")
		if started && fresh && !first.IsZero() && !j.Submit.IsZero() && j.Submit.After(first) {
			c.violate("scratch:"+j.ID, "after %s: job %s of %s started from scratch, submitted %s, after the run's first complete checkpoint at %s",
				label, j.ID, j.Run, j.Submit.Format("15:04:05"), first.Format("15:04:05.0"))
		}
	}
}

func firstMatch(re *regexp.Regexp, s string) string {
	if m := re.FindString(s); m != "" {
		return m
	}
	return "no resume line"
}

// violate reports a broken invariant once, however many passes see it.
func (c *campaign) violate(key, format string, args ...any) {
	c.t.Helper()
	c.mu.Lock()
	seen := c.seen[key]
	c.seen[key] = true
	c.mu.Unlock()
	if seen {
		return
	}
	c.fig.add("violations", 1)
	c.t.Errorf("seed %d: VIOLATION: %s", c.k.seed, fmt.Sprintf(format, args...))
}
