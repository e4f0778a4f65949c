package slurm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSqueueCapture(t *testing.T) {
	got, err := SqueueParser{Format: "%i|%j|%k|%T", Delimiter: "|"}.Parse(readTestdata(t, "squeue_comment.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []QueueEntry{{ID: "16", Name: "cli-name", Comment: "xyz", State: st(StateRunning, "", "RUNNING")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseSqueueOwnFormat(t *testing.T) {
	got, err := SqueueParser{Location: time.UTC}.Parse(readTestdata(t, "squeue_format.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []QueueEntry{
		{ID: "12_0", Name: "arr", State: st(StateRunning, "", "RUNNING"), Reason: "None",
			Submit: at(t, "2026-11-28T17:46:04"), Start: at(t, "2026-11-28T17:46:05"), TimeUsed: time.Second, WorkDir: workdir},
		{ID: "12_1", Name: "arr", State: st(StatePending, "", "PENDING"), Reason: "None",
			Submit: at(t, "2026-11-28T17:46:04"), WorkDir: workdir},
		{ID: "16", Name: "cli-name", State: st(StateRunning, "", "RUNNING"), Reason: "None",
			Submit: at(t, "2026-11-28T17:48:10"), Start: at(t, "2026-11-28T17:48:10"), TimeUsed: 12 * time.Second,
			WorkDir: workdir, Comment: "xyz"},
		{ID: "22", Name: "exit-script", State: st(StatePending, "", "PENDING"), Reason: "BeginTime",
			Submit: at(t, "2026-11-28T17:52:58"), Start: at(t, "2026-11-28T17:55:05"), WorkDir: workdir},
		{ID: "50", Name: "d20", State: st(StateRunning, "", "RUNNING"), Reason: "None",
			Submit: at(t, "2026-11-28T18:05:00"), Start: at(t, "2026-11-28T18:05:01"), TimeLimit: 24 * time.Hour,
			TimeUsed: 2*time.Hour + 3*time.Minute + 4*time.Second, WorkDir: workdir, Comment: "lr=3e-4|bs=32"},
		{ID: "51", Name: "x|y", State: st(StateRunning, "", "RUNNING"), Reason: "None",
			Submit: at(t, "2026-11-28T18:06:00"), Start: at(t, "2026-11-28T18:06:01"), TimeLimit: time.Hour,
			TimeUsed: 5 * time.Second, WorkDir: "/home/alice/a|b", Comment: "nsv:d20:2:abcd1234"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseSqueueEmpty(t *testing.T) {
	got, err := ParseSqueue(nil)
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v; want no entries and no error", got, err)
	}
}

func TestParseSqueueErrors(t *testing.T) {
	tests := []struct {
		name, out string
		wantLine  int
		wantMsg   string
	}{
		{"too few fields", "16|cli-name|RUNNING\n", 1, "has 3 fields, want 10"},
		{"bad time used", "16|n|RUNNING|None|N/A|N/A|UNLIMITED|soon|/w|\n", 1, "%M: duration \"soon\""},
		{"error on second line", "16|n|RUNNING|None|N/A|N/A|UNLIMITED|0:00|/w|\nslurm_load_jobs error: x\n", 2, "has 1 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSqueue([]byte(rows(tt.out)))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != tt.wantLine || pe.Cmd != "squeue" || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got %v (line %d), want squeue line %d containing %q", err, pe.Line, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

func TestSqueueParserBadFormat(t *testing.T) {
	for _, format := range []string{"%j|%T", "%i|name", "%i|%"} {
		if _, err := (SqueueParser{Format: rows(format)}).Parse([]byte(rows("1|x\n"))); err == nil {
			t.Errorf("format %q: got no error, want one", format)
		}
	}
	got, err := SqueueParser{Format: rows("%.18i|%20j")}.Parse([]byte(rows("5|name\n")))
	if err != nil || len(got) != 1 || got[0].ID != "5" || got[0].Name != "name" {
		t.Errorf("width specifiers: got %+v, %v; want job 5 named name", got, err)
	}
}

func TestSqueueArgs(t *testing.T) {
	got := SqueueArgs()
	want := []string{"--noheader", "--me", "--states=all", "--array", "--format=" + SqueueFormat}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseSqueueOddRowsHideNothing(t *testing.T) {
	row := func(id, name, workdir string) string {
		return strings.Join([]string{id, name, "RUNNING", "None", "N/A", "N/A", "UNLIMITED", "0:05", workdir, "(null)"}, Delimiter) + "\n"
	}
	out := row("16", "x|y", "/w") + row("17", "a"+Delimiter+"b", "/w") + row("18", "d20", "/home/a|b")
	got, err := ParseSqueue([]byte(out))
	if len(got) != 2 || got[0].Name != "x|y" || got[1].ID != "18" || got[1].WorkDir != "/home/a|b" {
		t.Errorf("got %+v, want jobs 16 (x|y) and 18 (/home/a|b)", got)
	}
	var sk *SkippedRowsError
	if !errors.As(err, &sk) || !reflect.DeepEqual(skippedIDs(sk), []string{"17"}) || !strings.Contains(err.Error(), "squeue output line 2 (job 17)") {
		t.Errorf("got error %v, want job 17's row skipped and named", err)
	}
}
