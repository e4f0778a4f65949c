package slurm

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Formats of the hand-made captures in testdata (see testdata/README.md).
const (
	factsFormat    = "JobID,JobIDRaw,JobName,State,ExitCode,Start,End,Elapsed,Comment,Submit,WorkDir,Reason"
	workdir        = "/home/alice/nanochat"
	slurmTimestamp = "2026-11-28T17:45:26"
)

// at reads a sacct time as UTC, the clock of the capture host.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation(TimeLayout, s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func st(name StateName, by, raw string) State { return State{Name: name, By: by, Raw: raw} }

func TestParseSacctCaptures(t *testing.T) {
	tests := []struct {
		file   string
		format string
		want   []Job
	}{
		{"sacct_exit0_exit3.txt", factsFormat, []Job{
			{ID: "7", RawID: "7", Name: "exit-script", State: st(StateCompleted, "", "COMPLETED"),
				Submit: at(t, "2026-11-28T17:45:26"), Start: at(t, "2026-11-28T17:45:26"), End: at(t, "2026-11-28T17:45:28"),
				Elapsed: 2 * time.Second, WorkDir: workdir, Reason: "None"},
			{ID: "8", RawID: "8", Name: "exit-script", State: st(StateFailed, "", "FAILED"), ExitCode: ExitCode{Code: 3},
				Submit: at(t, "2026-11-28T17:45:29"), Start: at(t, "2026-11-28T17:45:29"), End: at(t, "2026-11-28T17:45:31"),
				Elapsed: 2 * time.Second, WorkDir: workdir, Reason: "None"},
		}},
		{"sacct_timeout.txt", "JobID,State,ExitCode,Reason", []Job{
			{ID: "1", State: st(StateTimeout, "", "TIMEOUT"), Reason: "None"},
			{ID: "2", State: st(StateTimeout, "", "TIMEOUT"), Reason: "None"},
		}},
		{"sacct_scancel_running.txt", "JobID,State,ExitCode,Reason,End", []Job{
			{ID: "6", State: st(StateCancelled, "0", "CANCELLED by 0"), Reason: "None", End: at(t, "2026-11-28T17:45:14")},
		}},
		{"sacct_oom_cgroup.txt", factsFormat, []Job{
			{ID: "21", RawID: "21", Name: "oom", State: st(StateOutOfMemory, "", "OUT_OF_MEMORY"), ExitCode: ExitCode{Signal: 125},
				Submit: at(t, "2026-11-28T17:52:21"), Start: at(t, "2026-11-28T17:52:21"), End: at(t, "2026-11-28T17:52:22"),
				Elapsed: time.Second, WorkDir: workdir, Reason: "None"},
		}},
		{"sacct_requeue.txt", "JobID,State,ExitCode,Start,End", []Job{
			{ID: "22", State: st(StateCancelled, "0", "CANCELLED by 0"), Start: at(t, "2026-11-28T17:54:13"), End: at(t, "2026-11-28T17:54:16")},
		}},
		{"sacct_requeue_duplicates.txt", "JobID,State,ExitCode,Start,End", []Job{
			{ID: "22", State: st(StateCancelled, "0", "CANCELLED by 0"), Start: at(t, "2026-11-28T17:54:13"), End: at(t, "2026-11-28T17:54:16")},
		}},
		{"sacct_node_fail_duplicates.txt", "JobID,State,ExitCode,Start,End,Reason", []Job{
			{ID: "23", State: st(StatePending, "", "PENDING"), Reason: "None"},
		}},
		{"sacct_preempted.txt", "JobID,Partition,State,ExitCode,Start,End,Reason", []Job{
			{ID: "25", State: st(StatePreempted, "", "PREEMPTED"), Start: at(t, "2026-11-28T17:54:25"), End: at(t, "2026-11-28T17:54:28"), Reason: "None"},
			{ID: "27", State: st(StatePending, "", "PENDING"), Reason: "None"},
		}},
		{"sacct_array.txt", factsFormat, []Job{
			{ID: "12_0", RawID: "13", Name: "arr", State: st(StateCompleted, "", "COMPLETED"),
				Submit: at(t, "2026-11-28T17:46:04"), Start: at(t, "2026-11-28T17:46:05"), End: at(t, "2026-11-28T17:46:07"),
				Elapsed: 2 * time.Second, WorkDir: workdir, Reason: "None"},
			{ID: "12_1", RawID: "14", Name: "arr", State: st(StateFailed, "", "FAILED"), ExitCode: ExitCode{Code: 1},
				Submit: at(t, "2026-11-28T17:46:04"), Start: at(t, "2026-11-28T17:46:07"), End: at(t, "2026-11-28T17:46:09"),
				Elapsed: 2 * time.Second, WorkDir: workdir, Reason: "None"},
			{ID: "12_2", RawID: "12", Name: "arr", State: st(StateFailed, "", "FAILED"), ExitCode: ExitCode{Code: 2},
				Submit: at(t, "2026-11-28T17:46:04"), Start: at(t, "2026-11-28T17:46:09"), End: at(t, "2026-11-28T17:46:11"),
				Elapsed: 2 * time.Second, WorkDir: workdir, Reason: "None"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := SacctParser{Format: tt.format, Delimiter: "|", Location: time.UTC}
			got, err := p.Parse(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			compareJobs(t, got, tt.want)
		})
	}
}

func compareJobs(t *testing.T, got, want []Job) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d jobs %v, want %d", len(got), jobIDs(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("job %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func jobIDs(jobs []Job) []string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return ids
}

func TestParseSacctOwnFormat(t *testing.T) {
	got, err := SacctParser{Format: LegacySacctFormat, Location: time.UTC}.Parse(readTestdata(t, "sacct_format.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"3", "6", "7", "8", "12_1", "15", "16", "21", "24", "36", "39", "50", "51"}; !reflect.DeepEqual(jobIDs(got), want) {
		t.Fatalf("got ids %v, want %v", jobIDs(got), want)
	}
	byID := map[string]Job{}
	for _, j := range got {
		byID[j.ID] = j
	}
	timeout := byID["3"]
	if timeout.State.Name != StateTimeout || timeout.ExitCode != (ExitCode{}) ||
		timeout.Elapsed != 86*time.Second || timeout.TimeLimit != time.Minute {
		t.Errorf("job 3: got %+v, want TIMEOUT 0:0 elapsed 1m26s limit 1m", timeout)
	}
	if got, want := byID["6"].State, st(StateCancelled, "0", "CANCELLED by 0"); got != want {
		t.Errorf("job 6 state: got %+v, want %+v", got, want)
	}
	if got := byID["16"]; got.Comment != "xyz" || got.TimeLimit != 0 {
		t.Errorf("job 16: got comment %q limit %v, want xyz and 0 for Partition_Limit", got.Comment, got.TimeLimit)
	}
	if got := byID["21"].ExitCode; got != (ExitCode{Code: 0, Signal: 125}) {
		t.Errorf("job 21 exit code: got %v, want 0:125", got)
	}
	if got := byID["36"]; got.Name != "allocation" || got.WorkDir != "" || got.Comment != "c2" {
		t.Errorf("job 36: got name %q workdir %q comment %q, want allocation, empty, c2", got.Name, got.WorkDir, got.Comment)
	}
	if got := byID["39"]; !got.Start.IsZero() || !got.End.IsZero() || got.Submit.IsZero() {
		t.Errorf("job 39: got submit %v start %v end %v, want only submit set", got.Submit, got.Start, got.End)
	}
	long := byID["50"]
	if long.Comment != "lr=3e-4|bs=32" {
		t.Errorf("job 50 comment: got %q, want the text with its '|'", long.Comment)
	}
	if long.Elapsed != 24*time.Hour+20*time.Second || long.TimeLimit != 24*time.Hour {
		t.Errorf("job 50: got elapsed %v limit %v, want 24h0m20s and 24h", long.Elapsed, long.TimeLimit)
	}
	if long.End != at(t, "2026-11-29T18:05:21") {
		t.Errorf("job 50 end: got %v", long.End)
	}
	if got := byID["51"]; got.Name != "x|y" || got.WorkDir != "/home/alice/a|b" || got.Comment != "nsv:d20:2:abcd1234" ||
		got.State.Name != StateTimeout {
		t.Errorf("job 51: got name %q workdir %q comment %q state %v, want x|y, /home/alice/a|b, the tag, TIMEOUT",
			got.Name, got.WorkDir, got.Comment, got.State)
	}
}

// rows writes test rows readably: '|' stands for Delimiter. A row with
// the 13 fields of LegacySacctFormat gets empty AllocTRES and NodeList
// fields, so that tests about other fields need not spell them out.
func rows(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		body, end := strings.CutSuffix(l, "\n")
		if strings.Count(body, "|") == 12 {
			lines[i] = body + "||"
			if end {
				lines[i] += "\n"
			}
		}
	}
	return strings.ReplaceAll(strings.Join(lines, ""), "|", Delimiter)
}

func TestParseSacctEmpty(t *testing.T) {
	for _, out := range []string{"", "\n", "  \n\n"} {
		got, err := ParseSacct([]byte(out))
		if err != nil || len(got) != 0 {
			t.Errorf("ParseSacct(%q): got %v, %v; want no jobs and no error", out, got, err)
		}
	}
}

func TestParseSacctSkipsStepsWithoutX(t *testing.T) {
	out := rows("15|15|steps|COMPLETED|0:0|||||||None|\n" +
		"15.batch|15.batch|batch|COMPLETED|0:0||||||||\n" +
		"15.extern|15.extern|extern|COMPLETED|0:0||||||||\n" +
		"15.0|15.0|true|COMPLETED|0:0||||||||\n" +
		"15.1|15.1|bash|FAILED|7:0||||||||\n")
	got, err := ParseSacct([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "15" || got[0].State.Name != StateCompleted {
		t.Errorf("got %+v, want only job 15 COMPLETED", got)
	}
}

func TestParseSacctKeepsLastInstance(t *testing.T) {
	out := rows("22|22|j|REQUEUED|0:0|||||||None|\n" +
		"30|30|k|RUNNING|0:0|||||||None|\n" +
		"22|22|j|RUNNING|0:0|||||||None|\n")
	got, err := ParseSacct([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if ids := jobIDs(got); !reflect.DeepEqual(ids, []string{"22", "30"}) {
		t.Fatalf("got ids %v, want [22 30]", ids)
	}
	if got[0].State.Name != StateRunning {
		t.Errorf("job 22: got %v, want the newest instance RUNNING", got[0].State)
	}
}

func TestParseSacctErrors(t *testing.T) {
	good := "7|7|x|COMPLETED|0:0|" + slurmTimestamp + "|" + slurmTimestamp + "|" + slurmTimestamp + "|00:00:02|UNLIMITED|/w|None|"
	long := "9|9|" + strings.Repeat("n", 500) + "|BOGUSFIELDS"
	tests := []struct {
		name     string
		out      string
		wantLine int
		wantText string // must be quoted in the message
		wantMsg  string
	}{
		{"too few fields", good + "\n8|8|x|FAILED|3:0\n", 2, `"8|8|x|FAILED|3:0"`, "has 5 fields, want 15"},
		{"header line", "JobID|JobIDRaw|JobName|State|ExitCode|Submit|Start|End|Elapsed|Timelimit|WorkDir|Reason|Comment\n", 1, `"JobID|JobIDRaw`, `"JobID" is not a job id`},
		{"bad time", strings.Replace(good, "|"+slurmTimestamp, "|yesterday", 1), 1, `"7|7|x|COMPLETED|0:0|yesterday`, "Submit: time \"yesterday\""},
		{"bad exit code", strings.Replace(good, "0:0", "zero", 1), 1, `|zero|`, "ExitCode: exit code \"zero\""},
		{"bad duration", strings.Replace(good, "00:00:02", "2 s", 1), 1, `2 s`, "Elapsed: duration"},
		{"empty state", strings.Replace(good, "COMPLETED", "", 1), 1, `"7|7|x||0:0`, "State: empty state"},
		{"long line is truncated", long, 1, "nnnn…\"", "has 4 fields"},
		{"message with a full stop is not a step", good + "\nsacct: error: slurmdbd is down. Retry later\n", 2, `"sacct: error: slurmdbd is down. Retry later"`, "has 1 fields"},
		{"crlf still counts lines", good + "\r\n\r\nbad\r\n", 3, `"bad"`, "has 1 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSacct([]byte(rows(tt.out)))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got error %v, want a *ParseError", err)
			}
			if pe.Line != tt.wantLine {
				t.Errorf("got line %d, want %d (%v)", pe.Line, tt.wantLine, err)
			}
			msg := err.Error()
			quoted := strings.ReplaceAll(tt.wantText, "|", `\x1f`) // as %q prints Delimiter
			for _, want := range []string{"sacct output line", quoted, tt.wantMsg} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if len(msg) > 400 {
				t.Errorf("error is %d bytes long, want the line truncated", len(msg))
			}
		})
	}
}

func TestSacctParserFormatWithoutJobID(t *testing.T) {
	_, err := SacctParser{Format: "State,ExitCode"}.Parse([]byte("RUNNING|0:0\n"))
	if err == nil || !strings.Contains(err.Error(), "no JobID") {
		t.Errorf("got %v, want an error about the missing JobID field", err)
	}
}

func TestParseSacctUsesLocalTime(t *testing.T) {
	out := rows("7|7|x|COMPLETED|0:0|" + slurmTimestamp + "|Unknown|None||INVALID|||\n")
	got, err := ParseSacct([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 28, 17, 45, 26, 0, time.Local)
	if !got[0].Submit.Equal(want) || got[0].Submit.Location() != time.Local {
		t.Errorf("got submit %v, want %v in time.Local", got[0].Submit, want)
	}
	if !got[0].Start.IsZero() || !got[0].End.IsZero() || got[0].TimeLimit != 0 {
		t.Errorf("got start %v end %v limit %v, want zero values", got[0].Start, got[0].End, got[0].TimeLimit)
	}
}

func TestSacctArgs(t *testing.T) {
	got := SacctArgs([]string{"7", "12_1"})
	want := []string{"--parsable2", "--noheader", "-X", "--delimiter=\x1f", "--format=" + SacctFormat, "-j", "7,12_1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSacctWindowArgs(t *testing.T) {
	since := time.Date(2026, 11, 26, 17, 55, 10, 0, time.Local)
	until := since.Add(48 * time.Hour)
	tests := []struct {
		names []string
		want  []string
	}{
		{nil, nil},
		{[]string{"d20", "", "d24"}, []string{"--name=d20,d24"}},
	}
	for _, tt := range tests {
		got := SacctWindowArgs(since, until.UTC(), tt.names)
		want := append([]string{"--parsable2", "--noheader", "-X", "--delimiter=\x1f", "--format=" + SacctFormat,
			"-S", "2026-11-26T17:55:10", "-E", "2026-11-28T17:55:10"}, tt.want...)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("names %q: got %q, want %q", tt.names, got, want)
		}
	}
}

// TestParseSacctOddRowsHideNothing: a '|' in a job's name, workdir or
// comment is plain text, and a row that cannot be read (a name with the
// delimiter or a line break in it) is skipped, named, and hides no other.
func TestParseSacctOddRowsHideNothing(t *testing.T) {
	row := func(id, name, comment string) string {
		return strings.Join([]string{id, id, name, "TIMEOUT", "0:0", "Unknown", "Unknown", "Unknown",
			"00:00:00", "UNLIMITED", "/home/a|b", "None", comment, "", "None assigned"}, Delimiter) + "\n"
	}
	out := row("7", "d20|ckpt", "nsv:d20:1:ab") + row("8", "x|y", "c|d") +
		row("9", "u"+Delimiter+"v", "") + // one field too many
		row("10", "n\nm", "") + // the row breaks in two
		row("11", "d24", "nsv:d24:3:cd")
	got, err := ParseSacct([]byte(out))
	if want := []string{"7", "8", "11"}; !reflect.DeepEqual(jobIDs(got), want) {
		t.Fatalf("got jobs %v, want %v", jobIDs(got), want)
	}
	if j := got[0]; j.Name != "d20|ckpt" || j.WorkDir != "/home/a|b" || j.Comment != "nsv:d20:1:ab" {
		t.Errorf("job 7: got name %q workdir %q comment %q, want them as printed", j.Name, j.WorkDir, j.Comment)
	}
	if j := got[1]; j.Name != "x|y" || j.Comment != "c|d" || j.State.Name != StateTimeout {
		t.Errorf("job 8: got %+v, want name x|y, comment c|d, TIMEOUT", j)
	}
	var sk *SkippedRowsError
	if !errors.As(err, &sk) {
		t.Fatalf("got error %v, want a *SkippedRowsError", err)
	}
	if ids := skippedIDs(sk); !reflect.DeepEqual(ids, []string{"9", "10"}) || len(sk.Rows) != 3 {
		t.Errorf("skipped rows name jobs %v in %d rows, want [9 10] in 3 (the second half of job 10's names none)", ids, len(sk.Rows))
	}
	for _, want := range []string{"line 3 (job 9): has 16 fields", "line 4 (job 10): has 3 fields", "line 5: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// skippedIDs lists the jobs of the skipped rows that name one.
func skippedIDs(sk *SkippedRowsError) []string {
	var ids []string
	for _, r := range sk.Rows {
		if r.JobID != "" {
			ids = append(ids, r.JobID)
		}
	}
	return ids
}
