package fakeslurm

import (
	"bytes"
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SacctFormat is the only sacct --format the fake prints; it must equal
// pkg/slurm.SacctFormat (a test checks that). Like sacct, it separates the
// fields with --delimiter, '|' when none is given, and prints names,
// working directories and comments as they are, '|' and all.
const SacctFormat = "JobID,JobIDRaw,JobName,State,ExitCode,Submit,Start,End,Elapsed,Timelimit,WorkDir,Reason,Comment,AllocTRES,NodeList"

// LegacySacctFormat is the format pkg/slurm asked for before it accounted
// for GPU-hours; the fake prints it too, so that captures made with it
// can be replayed.
const LegacySacctFormat = "JobID,JobIDRaw,JobName,State,ExitCode,Submit,Start,End,Elapsed,Timelimit,WorkDir,Reason,Comment"

// FakeNode is the name of the fake cluster's only node, as on the
// measured one-node cluster. Real sbatch refuses to exclude every node of
// the partition; so does the fake.
const FakeNode = "vm"

// sacctQuery is a parsed sacct command line.
type sacctQuery struct {
	parsable2, noheader, allocations bool
	format                           string
	delimiter                        string       // --delimiter; "" means '|'
	ids                              map[int]bool // nil: no -j
	start, end                       string       // -S, -E as given
	names                            map[string]bool
	cluster                          string // -M; "" = the local cluster
}

// sacct prints the allocation rows of the jobs the query selects.
func (e *env) sacct(args []string, out *bytes.Buffer) int {
	q, err := parseSacctArgs(args)
	if err == nil {
		err = q.check()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "sacct: error: %v\n", err)
		return 1
	}
	if q.cluster != "" && !e.knownCluster(q.cluster) {
		return 0 // measured: sacct -M of an unknown cluster prints nothing, exit 0
	}
	q.cluster = e.jobCluster(q.cluster)
	since, until, err := e.sacctWindow(q)
	if err != nil {
		fmt.Fprintf(e.stderr, "sacct: error: %v\n", err)
		return 1
	}
	err = e.update(func(w *world) error {
		e.reap(w)
		for _, j := range w.Jobs {
			if !q.selects(j, since, until) || j.Hidden {
				continue
			}
			if q.names != nil && !q.names[e.sacctName(j)] {
				continue
			}
			if j.SacctLag > 0 {
				j.SacctLag--
				continue
			}
			e.observe(j, true)
			out.WriteString(e.sacctRow(j, cmp.Or(q.delimiter, "|"), strings.EqualFold(q.format, LegacySacctFormat)))
		}
		return nil
	})
	if err != nil {
		out.Reset()
		return e.internalError(err)
	}
	return 0
}

func parseSacctArgs(args []string) (sacctQuery, error) {
	var q sacctQuery
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "--parsable2", "-P":
			q.parsable2 = true
			continue
		case "--noheader", "-n":
			q.noheader = true
			continue
		case "-X", "--allocations":
			q.allocations = true
			continue
		}
		name, value, next, err := optionValue(args, i, sacctValueOpts)
		if err != nil {
			return q, err
		}
		i = next
		if err := q.set(name, value); err != nil {
			return q, err
		}
	}
	return q, nil
}

var sacctValueOpts = map[string]string{
	"-j": "jobs", "--jobs": "jobs", "-o": "format", "--format": "format",
	"-S": "starttime", "--starttime": "starttime", "-E": "endtime", "--endtime": "endtime",
	"--name": "name", "--delimiter": "delimiter", "-M": "clusters", "--clusters": "clusters",
}

func (q *sacctQuery) set(name, value string) error {
	switch name {
	case "jobs":
		if q.ids == nil {
			q.ids = map[int]bool{}
		}
		for _, s := range strings.Split(value, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || id < 1 {
				return fmt.Errorf("invalid job id %q (the fake knows plain numeric job ids only)", s)
			}
			q.ids[id] = true
		}
	case "format":
		q.format = value
	case "delimiter":
		q.delimiter = value
	case "starttime":
		q.start = value
	case "endtime":
		q.end = value
	case "clusters":
		q.cluster = value
	case "name":
		q.names = map[string]bool{}
		for _, n := range strings.Split(value, ",") {
			q.names[n] = true
		}
	}
	return nil
}

// check refuses invocations whose output the fake cannot render exactly.
func (q sacctQuery) check() error {
	if !q.parsable2 || !q.noheader || !q.allocations {
		return fmt.Errorf("fakeslurm prints only --parsable2 --noheader -X output; got parsable2=%t noheader=%t -X=%t",
			q.parsable2, q.noheader, q.allocations)
	}
	if !strings.EqualFold(q.format, SacctFormat) && !strings.EqualFold(q.format, LegacySacctFormat) {
		return fmt.Errorf("fakeslurm prints only --format=%s; got --format=%q", SacctFormat, q.format)
	}
	return nil
}

// sacctWindow is the time window sacct uses: -S/-E when given; without -S
// and -j it starts at local midnight (SLURM-FACTS.md "sacct time windows").
func (e *env) sacctWindow(q sacctQuery) (since, until int64, err error) {
	now := e.now.In(e.loc)
	s, u := time.Unix(0, 0), now
	if q.ids == nil {
		s = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, e.loc)
	}
	if q.start != "" {
		if s, err = parseSacctTime(q.start, now, e.loc); err != nil {
			return 0, 0, err
		}
	}
	if q.end != "" {
		if u, err = parseSacctTime(q.end, now, e.loc); err != nil {
			return 0, 0, err
		}
	}
	return s.Unix(), u.Unix(), nil
}

// selects reports whether the job was eligible or running in the window
// and matches -j. --name is matched by the caller against the name
// slurmdbd has right now (which may still be "allocation").
func (q sacctQuery) selects(j *Job, since, until int64) bool {
	if (q.ids != nil && !q.ids[j.ID]) || j.Cluster != q.cluster {
		return false
	}
	return j.Submit <= until && (j.End == 0 || j.End >= since)
}

// sacctName is the JobName slurmdbd has for the job right now.
func (e *env) sacctName(j *Job) string {
	if j.Allocation {
		return "allocation"
	}
	return j.Name
}

// sacctRow renders one allocation row in SacctFormat order (or
// LegacySacctFormat's), the fields separated by sep.
func (e *env) sacctRow(j *Job, sep string, legacy bool) string {
	workdir, comment := j.WorkDir, ""
	if !j.Live() {
		comment = j.Comment // slurmdbd gets the comment when the job ends
	}
	if j.Allocation {
		workdir, comment = "", ""
	}
	id := strconv.Itoa(j.ID)
	fields := []string{
		id, id, e.sacctName(j), j.State, j.ExitCode,
		formatTime(j.Submit, e.loc), e.sacctStart(j), e.sacctEnd(j),
		sacctElapsed(e.elapsed(j)), sacctJobTimelimit(j),
		workdir, "None", comment, sacctAllocTRES(j), sacctNodeList(j),
	}
	if legacy {
		fields = fields[:len(fields)-2]
	}
	return strings.Join(fields, sep) + "\n"
}

// sacctAllocTRES is what the job was allocated, empty until it started
// (measured on 22.05): one CPU and 1G per job, and the GPUs asked for
// with --gres=gpu[:type]:N or --gpus.
func sacctAllocTRES(j *Job) string {
	if j.Start == 0 {
		return ""
	}
	gpus := ""
	if j.GPUs > 0 {
		gpus = "gres/gpu=" + strconv.Itoa(j.GPUs) + ","
	}
	return "billing=1,cpu=1," + gpus + "mem=1G,node=1"
}

// sacctNodeList is "None assigned" until the job started.
func sacctNodeList(j *Job) string {
	if j.Start == 0 {
		return "None assigned"
	}
	return FakeNode
}

// sacctJobTimelimit is the Timelimit slurmdbd has for the job. Without
// --time a job that never started still shows Partition_Limit (measured on
// 22.05: pending, and cancelled while pending); once it ran, the
// partition's limit (here none: UNLIMITED).
func sacctJobTimelimit(j *Job) string {
	if !j.TimeLimitSet && j.Start == 0 {
		return "Partition_Limit"
	}
	return sacctTimelimit(j.TimeLimitMin)
}

func (e *env) sacctStart(j *Job) string {
	switch {
	case j.Start != 0:
		return formatTime(j.Start, e.loc)
	case !j.Live():
		return "None" // ended without starting (cancelled while pending)
	}
	return "Unknown"
}

func (e *env) sacctEnd(j *Job) string {
	if j.End == 0 {
		return "Unknown"
	}
	return formatTime(j.End, e.loc)
}

// elapsed is the job's run time so far, or in total once it ended.
func (e *env) elapsed(j *Job) int64 {
	switch {
	case j.Start == 0:
		return 0
	case j.End != 0:
		return j.End - j.Start
	case j.State == stateRunning:
		return e.unix() - j.Start
	}
	return 0
}
