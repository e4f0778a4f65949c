package fakeslurm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// SqueueFormat is the squeue --format the fake prints; it must equal
// pkg/slurm.SqueueFormat (a test checks that). squeue prints the text
// between %-fields as it is, so the fake also takes these fields with any
// other separator, such as '|', and prints that one.
const SqueueFormat = "%i\x1f%j\x1f%T\x1f%r\x1f%V\x1f%S\x1f%l\x1f%M\x1f%Z\x1f%k"

// squeueFormatSep is the separator of SqueueFormat.
const squeueFormatSep = "\x1f"

// squeueQuery is a parsed squeue command line.
type squeueQuery struct {
	noheader bool
	format   string
	sep      string          // the text between the fields of format
	states   map[string]bool // nil: squeue's default (live jobs); "ALL": all
	ids      []int
	cluster  string // -M; "" = the local cluster
}

// compactStates maps squeue's short state names to the long ones.
var compactStates = map[string]string{
	"PD": statePending, "R": stateRunning, "CD": stateCompleted, "F": stateFailed,
	"TO": stateTimeout, "CA": stateCancelled, "OOM": stateOOM, "NF": stateNodeFail,
	"PR": statePreempted, "CG": "COMPLETING", "S": "SUSPENDED", "RQ": "REQUEUED",
	"BF": "BOOT_FAIL", "DL": "DEADLINE", "CF": "CONFIGURING",
}

// squeue prints the jobs slurmctld still holds: live jobs, and ended jobs
// until MinJobAge has passed (or nsv-fakeslurm purge).
func (e *env) squeue(args []string, out *bytes.Buffer) int {
	q, err := parseSqueueArgs(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "squeue: error: %v\n", err)
		return 1
	}
	if rc := e.checkCluster("squeue", q.cluster); rc != 0 {
		return rc
	}
	q.cluster = e.jobCluster(q.cluster)
	rc := 0
	err = e.update(func(w *world) error {
		e.reap(w)
		if len(q.ids) == 1 && (!e.inController(w.job(q.ids[0])) || w.job(q.ids[0]).Cluster != q.cluster) {
			// A lone unknown id is an error; in a list it is skipped.
			fmt.Fprint(e.stderr, "slurm_load_jobs error: Invalid job id specified\n")
			rc = 1
			return nil
		}
		for _, j := range w.Jobs {
			if !e.inController(j) || !q.selects(j) {
				continue
			}
			e.observe(j, false)
			out.WriteString(e.squeueRow(j, q.sep))
		}
		return nil
	})
	if err != nil {
		out.Reset()
		return e.internalError(err)
	}
	return rc
}

var squeueValueOpts = map[string]string{
	"-o": "format", "--format": "format", "-t": "states", "--states": "states",
	"-j": "jobs", "--jobs": "jobs", "-u": "user", "--user": "user",
	"-M": "clusters", "--clusters": "clusters",
}

func parseSqueueArgs(args []string) (squeueQuery, error) {
	var q squeueQuery
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--noheader", "-h":
			q.noheader = true
			continue
		case "--me", "-a", "--all":
			continue // every job of the fake belongs to the caller
		case "--array", "-r":
			continue // the fake has no job arrays: one line per job anyway
		}
		name, value, next, err := optionValue(args, i, squeueValueOpts)
		if err != nil {
			return q, err
		}
		i = next
		if err := q.set(name, value); err != nil {
			return q, err
		}
	}
	q.sep, _, _ = strings.Cut(strings.TrimPrefix(q.format, "%i"), "%j")
	if !q.noheader || q.sep == "" || q.format != strings.ReplaceAll(SqueueFormat, squeueFormatSep, q.sep) {
		return q, fmt.Errorf("fakeslurm prints only --noheader --format=%q (with any separator); got noheader=%t --format=%q",
			SqueueFormat, q.noheader, q.format)
	}
	return q, nil
}

func (q *squeueQuery) set(name, value string) error {
	switch name {
	case "clusters":
		q.cluster = value
	case "format":
		q.format = value
	case "states":
		q.states = map[string]bool{}
		for _, s := range strings.Split(strings.ToUpper(value), ",") {
			if long, ok := compactStates[s]; ok {
				s = long
			}
			if s != "ALL" && !liveStates[s] && !endedStates[s] {
				return fmt.Errorf("invalid job state specified: %s", s)
			}
			q.states[s] = true
		}
	case "jobs":
		for _, s := range strings.Split(value, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || id < 1 {
				return fmt.Errorf("invalid job id %q", s)
			}
			q.ids = append(q.ids, id)
		}
	}
	return nil
}

func (q squeueQuery) selects(j *Job) bool {
	if (len(q.ids) > 0 && !containsInt(q.ids, j.ID)) || j.Cluster != q.cluster {
		return false
	}
	switch {
	case q.states == nil:
		return j.Live()
	case q.states["ALL"]:
		return true
	}
	return q.states[baseState(j.State)]
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// inController reports whether slurmctld still holds the job: live, or
// ended less than MinJobAge seconds ago and not purged.
func (e *env) inController(j *Job) bool {
	if j == nil {
		return false
	}
	if j.Live() {
		return true
	}
	return !j.Purged && e.unix()-j.End < int64(e.intEnv(EnvMinJobAge, 10))
}

// squeueRow renders one job in SqueueFormat order, the fields separated by
// sep.
func (e *env) squeueRow(j *Job, sep string) string {
	start := j.Start
	if start == 0 && !j.Live() {
		start = j.End // slurmctld stamps a job cancelled while pending
	}
	used := int64(0)
	switch {
	case j.State == statePending || start == 0:
	case j.Live():
		used = e.unix() - start
	default:
		used = j.End - start
	}
	comment := j.Comment
	if comment == "" {
		comment = "(null)" // squeue printf()s the NULL string
	}
	reason := squeueReason(j.State)
	if j.State == statePending && j.PendingReason != "" {
		reason = j.PendingReason
	}
	fields := []string{
		strconv.Itoa(j.ID), j.Name, baseState(j.State), reason,
		squeueTime(j.Submit, e.loc), squeueTime(start, e.loc),
		squeueTimelimit(j.TimeLimitMin), squeueSecs(used), j.WorkDir, comment,
	}
	return strings.Join(fields, sep) + "\n"
}
