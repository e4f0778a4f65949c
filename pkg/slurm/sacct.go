package slurm

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SacctFormat is the field list every sacct call of this package asks
// for, printed with fields separated by Delimiter.
// AllocTRES and NodeList come last: output captured before they were
// asked for is the same rows without them (LegacySacctFormat).
const SacctFormat = LegacySacctFormat + ",AllocTRES,NodeList"

// LegacySacctFormat is the field list asked for before the daemon
// accounted for allocated GPU-hours; captures made with it still parse
// (SacctParser.Format).
const LegacySacctFormat = "JobID,JobIDRaw,JobName,State,ExitCode,Submit,Start,End,Elapsed,Timelimit,WorkDir,Reason,Comment"

// Job is one job (allocation) row of sacct. Times are zero when sacct
// prints Unknown or None; TimeLimit is 0 for UNLIMITED and Partition_Limit.
//
// Name, WorkDir and Comment are transiently "allocation" or empty for a
// few seconds around a job's start and end; key on ID, never on those.
// Timelimit too can be empty (TimeLimit 0) for the first seconds of a
// job's row, even after the job started or ended: a later pass has it.
type Job struct {
	ID        string // as printed: "7", or "12_1" for an array task
	RawID     string // JobIDRaw: differs from ID for array tasks
	Name      string
	State     State
	ExitCode  ExitCode
	Submit    time.Time
	Start     time.Time
	End       time.Time
	Elapsed   time.Duration
	TimeLimit time.Duration
	WorkDir   string
	Reason    string
	Comment   string
	// AllocTRES is what the job was allocated, as sacct prints it
	// ("billing=2,cpu=2,gres/gpu=1,mem=8G,node=1"); empty until it starts.
	AllocTRES string
	// NodeList is the job's nodes as a Slurm hostlist ("vm",
	// "gpu[01-03]"); "" until the job has nodes (sacct: "None assigned").
	NodeList string
}

// sacctBaseArgs are the flags of every sacct call: machine-readable rows,
// no header, and only the allocation row of each job (-X), not its steps.
func sacctBaseArgs() []string {
	return []string{"--parsable2", "--noheader", "-X", "--delimiter=" + Delimiter, "--format=" + SacctFormat}
}

// SacctArgs asks for the given jobs. With -j, sacct looks at jobs of any
// age, so a job that ended before midnight is not lost.
func SacctArgs(ids []string) []string {
	return append(sacctBaseArgs(), "-j", strings.Join(ids, ","))
}

// SacctWindowArgs asks for the jobs eligible or running between since and
// until, optionally only those with one of the given names. Both ends are
// always given: without -S sacct starts at local midnight. The times are
// printed in the local zone, which is the zone sacct reads them in.
func SacctWindowArgs(since, until time.Time, names []string) []string {
	args := append(sacctBaseArgs(),
		"-S", FormatTime(since.In(time.Local)),
		"-E", FormatTime(until.In(time.Local)))
	kept := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "" })
	if len(kept) > 0 {
		args = append(args, "--name="+strings.Join(kept, ","))
	}
	return args
}

// SacctParser reads sacct --parsable2 --noheader output.
type SacctParser struct {
	// Format is the --format the output was made with; "" means
	// SacctFormat. Fields this package does not know are ignored;
	// JobID is required.
	Format string
	// Delimiter is the --delimiter the output was made with; "" means
	// this package's Delimiter ("|" is sacct's own default).
	Delimiter string
	// Location is the zone the times are read in; nil means time.Local.
	Location *time.Location
}

// ParseSacct reads output made with SacctArgs or SacctWindowArgs, in the
// local zone. Empty output is zero jobs. Step rows ("7.batch", "7.extern",
// "15.0") are skipped even if -X was forgotten. A job id printed twice
// (the instances of a requeued job, with -D) keeps its last, newest row.
// A row that cannot be read is left out and reported, with its line and
// job, in a *SkippedRowsError returned together with the other jobs.
func ParseSacct(out []byte) ([]Job, error) { return SacctParser{}.Parse(out) }

// Parse reads out according to p.
func (p SacctParser) Parse(out []byte) ([]Job, error) {
	l, err := sacctLayout(p.Format, p.Delimiter)
	if err != nil {
		return nil, err
	}
	return parseRows(out, l, cmp.Or(p.Location, time.Local))
}

func sacctLayout(format, sep string) (layout[Job], error) {
	format, sep = cmp.Or(format, SacctFormat), cmp.Or(sep, Delimiter)
	l := layout[Job]{cmd: "sacct", sep: sep, idCol: -1, idOf: func(j *Job) string { return j.ID }}
	for i, name := range strings.Split(format, ",") {
		// sacct accepts "JobName%30" for a column width and any case.
		key := strings.ToLower(strings.TrimSpace(name))
		key, _, _ = strings.Cut(key, "%")
		l.cols = append(l.cols, column[Job]{name: name, read: sacctFields[key]})
		if key == "jobid" {
			l.idCol = i
		}
	}
	if l.idCol < 0 {
		return l, fmt.Errorf("sacct format %q has no JobID field", format)
	}
	return l, nil
}

var sacctFields = map[string]field[Job]{
	"jobid":     func(j *Job, s string, _ *time.Location) error { j.ID = s; return checkJobID(s) },
	"jobidraw":  func(j *Job, s string, _ *time.Location) error { j.RawID = s; return checkOptionalJobID(s) },
	"jobname":   func(j *Job, s string, _ *time.Location) error { j.Name = s; return nil },
	"state":     func(j *Job, s string, _ *time.Location) error { return readState(&j.State, s) },
	"exitcode":  func(j *Job, s string, _ *time.Location) error { return readExitCode(&j.ExitCode, s) },
	"submit":    func(j *Job, s string, loc *time.Location) error { return readTime(&j.Submit, s, loc) },
	"start":     func(j *Job, s string, loc *time.Location) error { return readTime(&j.Start, s, loc) },
	"end":       func(j *Job, s string, loc *time.Location) error { return readTime(&j.End, s, loc) },
	"elapsed":   func(j *Job, s string, _ *time.Location) error { return readDuration(&j.Elapsed, s) },
	"timelimit": func(j *Job, s string, _ *time.Location) error { return readDuration(&j.TimeLimit, s) },
	"workdir":   func(j *Job, s string, _ *time.Location) error { j.WorkDir = s; return nil },
	"reason":    func(j *Job, s string, _ *time.Location) error { j.Reason = s; return nil },
	"comment":   func(j *Job, s string, _ *time.Location) error { j.Comment = s; return nil },
	"alloctres": func(j *Job, s string, _ *time.Location) error { j.AllocTRES = s; return nil },
	"nodelist":  func(j *Job, s string, _ *time.Location) error { j.NodeList = nodeList(s); return nil },
}

// nodeList drops what sacct prints for a job without nodes.
func nodeList(s string) string {
	if s == "None assigned" || s == "(null)" {
		return ""
	}
	return s
}

func checkOptionalJobID(s string) error {
	if s == "" {
		return nil
	}
	return checkJobID(s)
}

func readState(dst *State, s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("empty state")
	}
	*dst = ParseState(s)
	return nil
}

// readExitCode treats an empty field as 0:0; sacct prints one for steps
// that never ran and it must not fail a whole poll.
func readExitCode(dst *ExitCode, s string) (err error) {
	if s == "" {
		*dst = ExitCode{}
		return nil
	}
	*dst, err = ParseExitCode(s)
	return err
}

func readTime(dst *time.Time, s string, loc *time.Location) (err error) {
	*dst, err = ParseTime(s, loc)
	return err
}

func readDuration(dst *time.Duration, s string) (err error) {
	*dst, err = ParseDuration(s)
	return err
}
