package slurm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// addTestdataSeeds adds every testdata file matching pattern to f's corpus.
func addTestdataSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// formatTime prints t as sacct does, "Unknown" for the zero time.
func formatTestTime(t time.Time) string {
	if t.IsZero() {
		return "Unknown"
	}
	return t.Format(TimeLayout)
}

// formatTestDuration prints d as sacct prints Elapsed: "HH:MM:SS", or
// "D-HH:MM:SS" from one day on. Negative durations print as "INVALID",
// as Slurm does; fractions of a second are dropped.
func formatTestDuration(d time.Duration) string {
	if d < 0 {
		return "INVALID"
	}
	total := int64(d / time.Second)
	sec, total := total%60, total/60
	min, total := total%60, total/60
	hours, days := total%24, total/24
	clock := fmt.Sprintf("%02d:%02d:%02d", hours, min, sec)
	if days > 0 {
		return strconv.FormatInt(days, 10) + "-" + clock
	}
	return clock
}

// formatSacctRow prints j as sacct --parsable2 --format=SacctFormat would.
func formatSacctRow(j Job) string {
	return strings.Join([]string{j.ID, j.RawID, j.Name, j.State.Raw, j.ExitCode.String(),
		formatTestTime(j.Submit), formatTestTime(j.Start), formatTestTime(j.End),
		formatTestDuration(j.Elapsed), formatTestDuration(j.TimeLimit), j.WorkDir, j.Reason, j.Comment,
		j.AllocTRES, j.NodeList}, Delimiter)
}

func formatSqueueRow(q QueueEntry) string {
	return strings.Join([]string{q.ID, q.Name, q.State.Raw, q.Reason,
		formatTestTime(q.Submit), formatTestTime(q.Start), formatTestDuration(q.TimeLimit),
		formatTestDuration(q.TimeUsed), q.WorkDir, q.Comment}, Delimiter)
}

// checkOnlySkippedRows fails unless err is nil or a *SkippedRowsError:
// whatever Slurm prints, the rows that can be read are returned.
func checkOnlySkippedRows(t *testing.T, err error) {
	t.Helper()
	var sk *SkippedRowsError
	if err != nil && !errors.As(err, &sk) {
		t.Fatalf("got %v, want at most skipped rows", err)
	}
}

// FuzzParseSacct checks that no input panics, that what parses has the
// promised shape, and that printing the jobs back in SacctFormat and
// parsing again gives the same jobs.
func FuzzParseSacct(f *testing.F) {
	addTestdataSeeds(f, "sacct_format.txt")
	addTestdataSeeds(f, "real/*.sacct")
	f.Add([]byte(rows("7|7|x|CANCELLED by 0|0:0|Unknown|None||00:00:00|UNLIMITED|/w|None|a|b|c\n")))
	f.Add([]byte(rows("7.batch|7.batch|batch|COMPLETED|0:0|...\n")))
	f.Add([]byte(rows("JobID|JobIDRaw|JobName|State\n")))
	f.Add([]byte(rows("22|22|j|REQUEUED|0:0|||||||None|\r\n22|22|j|PENDING|0:0|||||||None|\r\n")))
	f.Add([]byte(rows("8|8|n\nm|FAILED|1:0|Unknown|None||00:00:00|UNLIMITED|/w|None|\n")))
	f.Fuzz(func(t *testing.T, out []byte) {
		p := SacctParser{Location: time.UTC}
		jobs, err := p.Parse(out)
		checkOnlySkippedRows(t, err)
		seen := map[string]bool{}
		for _, j := range jobs {
			if j.ID == "" || strings.Contains(j.ID, ".") || seen[j.ID] {
				t.Fatalf("job id %q: empty, a step, or repeated", j.ID)
			}
			seen[j.ID] = true
		}
		if lines := strings.Count(string(out), "\n") + 1; len(jobs) > lines {
			t.Fatalf("%d jobs from %d lines", len(jobs), lines)
		}
		var b strings.Builder
		for _, j := range jobs {
			b.WriteString(formatSacctRow(j) + "\n")
		}
		again, err := p.Parse([]byte(b.String()))
		if err != nil {
			t.Fatalf("reprinted output does not parse: %v\n%s", err, b.String())
		}
		if len(jobs) != 0 && !reflect.DeepEqual(again, jobs) {
			t.Fatalf("round trip changed the jobs:\n got %+v\nwant %+v", again, jobs)
		}
	})
}

func FuzzParseSqueue(f *testing.F) {
	addTestdataSeeds(f, "squeue_format.txt")
	addTestdataSeeds(f, "real/*.squeue")
	f.Add([]byte(rows("16|n|RUNNING|None|N/A|N/A|UNLIMITED|1-02:03:04|/w|(null)\n")))
	f.Add([]byte("slurm_load_jobs error: Invalid job id specified\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		p := SqueueParser{Location: time.UTC}
		entries, err := p.Parse(out)
		checkOnlySkippedRows(t, err)
		var b strings.Builder
		for _, q := range entries {
			if checkJobID(q.ID) != nil {
				t.Fatalf("bad job id %q accepted", q.ID)
			}
			b.WriteString(formatSqueueRow(q) + "\n")
		}
		again, err := p.Parse([]byte(b.String()))
		if err != nil {
			t.Fatalf("reprinted output does not parse: %v\n%s", err, b.String())
		}
		if len(entries) != 0 && !reflect.DeepEqual(again, entries) {
			t.Fatalf("round trip changed the entries:\n got %+v\nwant %+v", again, entries)
		}
	})
}

func FuzzParseSbatch(f *testing.F) {
	addTestdataSeeds(f, "sbatch_*.txt")
	addTestdataSeeds(f, "real/*.sbatch")
	f.Add([]byte("Submitted batch job 40\n"))
	f.Add([]byte("41;lab;x\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		id, err := parseSbatchID(out)
		if err != nil {
			if id != "" {
				t.Fatalf("got id %q together with error %v", id, err)
			}
			return
		}
		if !regexp.MustCompile(`^[0-9]{1,10}$`).MatchString(id) {
			t.Fatalf("accepted id %q", id)
		}
		for _, again := range []string{id, id + "\n", id + ";lab\n"} {
			if got, err := parseSbatchID([]byte(again)); err != nil || got != id {
				t.Fatalf("parseSbatchID(%q) = %q, %v; want %q", again, got, err, id)
			}
		}
	})
}

func FuzzParseState(f *testing.F) {
	for _, s := range []string{"COMPLETED", "CANCELLED by 0", "CANCELLED+", "OUT_OF_ME+", "RE+", " running ",
		"X by Y by Z", "", "+", "CANCELLED by", "NODE_FAIL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseState(s)
		if p.Raw != s {
			t.Fatalf("Raw = %q, want the input %q", p.Raw, s)
		}
		q := ParseState(p.String())
		if q.Name != p.Name || q.By != p.By {
			t.Fatalf("ParseState(%q) = %+v, but its String %q parses as %+v", s, p, p.String(), q)
		}
		if p.Terminal() != q.Terminal() {
			t.Fatalf("Terminal changed over a round trip of %q", s)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"00:00:02", "1-00:00:20", "0:00", "12:34", "1-02", "1-02:30", "UNLIMITED", "99:59:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 || d%time.Second != 0 {
			t.Fatalf("ParseDuration(%q) = %v", s, d)
		}
		if again, err := ParseDuration(formatTestDuration(d)); err != nil || again != d {
			t.Fatalf("ParseDuration(formatTestDuration(%v)) = %v, %v", d, again, err)
		}
	})
}
