package fakeslurm

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// controlList prints every job, as a table or (--json) as JSON.
func (e *env) controlList(args []string) error {
	asJSON := false
	for _, a := range args {
		if a != "--json" {
			return fmt.Errorf("list: unknown argument %q", a)
		}
		asJSON = true
	}
	var jobs []*Job
	err := e.update(func(w *world) error {
		e.reap(w)
		jobs = w.Jobs
		return nil
	})
	if err != nil {
		return err
	}
	if asJSON {
		if jobs == nil {
			jobs = []*Job{}
		}
		data, err := json.MarshalIndent(jobs, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", data)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tEXIT\tSUBMIT\tSTART\tEND\tLIMIT\tFLAGS\tWORKDIR\tCOMMENT")
	for _, j := range jobs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Name, j.State, j.ExitCode,
			e.listTime(j.Submit), e.listTime(j.Start), e.listTime(j.End), sacctTimelimit(j.TimeLimitMin),
			jobFlags(j), j.WorkDir, j.Comment)
	}
	return tw.Flush()
}

func (e *env) listTime(sec int64) string {
	if sec == 0 {
		return "-"
	}
	return time.Unix(sec, 0).In(e.loc).Format(slurmTimeLayout)
}

// jobFlags summarises the fake's own knobs on a job for the listing.
func jobFlags(j *Job) string {
	var f []string
	if j.Hidden {
		f = append(f, "hidden")
	}
	if j.SacctLag > 0 {
		f = append(f, "lag="+strconv.Itoa(j.SacctLag))
	}
	if j.Allocation {
		f = append(f, "allocation")
	}
	if j.Purged {
		f = append(f, "purged")
	}
	if o := j.Outcome; o != nil {
		f = append(f, fmt.Sprintf("outcome=%s:%s@%d(left %d)", o.State, o.ExitCode, o.After, j.Countdown))
	}
	if j.AutoRun {
		f = append(f, "autorun")
	}
	if j.Exec != nil {
		f = append(f, "pid="+strconv.Itoa(j.Exec.PID))
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, ",")
}

// controlJobs prints "NAME COUNT" per job name, sorted by name; with
// --live only PENDING/RUNNING jobs count. Torture tests use it to assert
// that a run never has two live jobs.
func (e *env) controlJobs(args []string) error {
	live := false
	for _, a := range args {
		if a != "--live" {
			return fmt.Errorf("jobs: unknown argument %q", a)
		}
		live = true
	}
	counts := map[string]int{}
	err := e.update(func(w *world) error {
		e.reap(w)
		for _, j := range w.Jobs {
			if !live || j.Live() {
				counts[j.Name]++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(e.stdout, "%s %d\n", n, counts[n])
	}
	return nil
}

// controlFault queues a fault for the next calls of a Slurm program.
func (e *env) controlFault(args []string) error {
	f, err := ParseFault(args)
	if err != nil {
		return err
	}
	return e.update(func(w *world) error {
		w.Faults = append(w.Faults, f)
		return nil
	})
}
