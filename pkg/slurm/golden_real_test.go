package slurm

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/real/*.want.json from the .sacct captures")

// captureDirs are the directories of captures from a live cluster, by the
// field delimiter and sacct format they were made with: testdata/real
// holds those made before this package asked for Delimiter, with sacct's
// and squeue's '|'; only accounting/ has the accounting fields.
// testdata/real-24.11 holds the same cases from Slurm 24.11
// (docs/SLURM-VERSIONS.md), by both versions of the capture script.
var captureDirs = []struct{ dir, delimiter, format string }{
	{filepath.Join("testdata", "real"), "|", LegacySacctFormat},
	{filepath.Join("testdata", "real", "unitsep"), Delimiter, LegacySacctFormat},
	{filepath.Join("testdata", "real", "unitsep", "accounting"), Delimiter, SacctFormat},
	{filepath.Join("testdata", versionDirs[1]), "|", LegacySacctFormat},
	{filepath.Join("testdata", versionDirs[1], "unitsep"), Delimiter, LegacySacctFormat},
	{filepath.Join("testdata", versionDirs[1], "unitsep", "accounting"), Delimiter, SacctFormat},
}

// versionDirs are the capture directories under testdata of each Slurm
// version, made by the same capture script: 22.05 and 24.11. The tests
// that read the script's captures by name run over all of them.
var versionDirs = []string{"real", "real-24.11"}

// TestRealCaptures checks every sacct capture from a live cluster in
// captureDirs: NAME.sacct (output in SacctFormat) against NAME.want.json
// (the expected []Job, times read as UTC). New captures are picked up
// without touching this file; -update writes their want files.
func TestRealCaptures(t *testing.T) {
	found := 0
	for _, d := range captureDirs {
		captures, err := filepath.Glob(filepath.Join(d.dir, "*.sacct"))
		if err != nil {
			t.Fatal(err)
		}
		found += len(captures)
		p := SacctParser{Format: d.format, Delimiter: d.delimiter, Location: time.UTC}
		for _, path := range captures {
			t.Run(path, func(t *testing.T) {
				if err := checkCapture(p, path, *update); err != nil {
					t.Error(err)
				}
			})
		}
	}
	if found == 0 {
		t.Skip("no captures in testdata/real yet")
	}
}

// checkCapture parses the capture at path with p and compares the jobs
// with its want file, or writes the want file when update is set.
func checkCapture(p SacctParser, path string, update bool) error {
	out, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	got, err := p.Parse(out)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	wantPath := strings.TrimSuffix(path, ".sacct") + ".want.json"
	gotJSON, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		return err
	}
	gotJSON = append(gotJSON, '\n')
	if update {
		return os.WriteFile(wantPath, gotJSON, 0o644)
	}
	wantJSON, err := os.ReadFile(wantPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is missing; run go test -run TestRealCaptures -update", wantPath)
	}
	if err != nil {
		return err
	}
	var want []Job
	if err := json.Unmarshal(wantJSON, &want); err != nil {
		return fmt.Errorf("%s: %w", wantPath, err)
	}
	return diffJobs(got, want)
}

// diffJobs names the first job that differs, comparing JSON forms so that
// times compare as instants whatever their location.
func diffJobs(got, want []Job) error {
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w []byte
		if i < len(got) {
			g, _ = json.Marshal(got[i])
		}
		if i < len(want) {
			w, _ = json.Marshal(want[i])
		}
		if !bytes.Equal(g, w) {
			return fmt.Errorf("job %d differs:\n got %s\nwant %s", i, g, w)
		}
	}
	return nil
}

func TestCheckCapture(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, "timeout.sacct")
	want := filepath.Join(dir, "timeout.want.json")
	row := rows("3|3|siglog|TIMEOUT|0:0|2026-11-28T17:42:06|2026-11-28T17:42:07|2026-11-28T17:43:33|00:01:26|00:01:00|/w|None|\n")
	p := SacctParser{Location: time.UTC}
	if err := os.WriteFile(capture, []byte(row), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkCapture(p, capture, false); err == nil || !strings.Contains(err.Error(), "-update") {
		t.Errorf("missing want file: got %v, want a hint to run -update", err)
	}
	if err := checkCapture(p, capture, true); err != nil {
		t.Fatal(err)
	}
	if err := checkCapture(p, capture, false); err != nil {
		t.Errorf("after -update: got %v, want a match", err)
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, bytes.Replace(data, []byte(`"TIMEOUT"`), []byte(`"FAILED"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkCapture(p, capture, false); err == nil || !strings.Contains(err.Error(), "job 0 differs") {
		t.Errorf("edited want file: got %v, want job 0 to differ", err)
	}
	if err := os.WriteFile(capture, []byte(row+rows("4|4|x\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkCapture(p, capture, false); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad capture: got %v, want a parse error for line 2", err)
	}
}

// TestRealQueueAndSubmitCaptures checks that every squeue (NAME.squeue, in
// SqueueFormat) and sbatch --parsable (NAME.sbatch) capture in captureDirs
// parses; they have no want files.
func TestRealQueueAndSubmitCaptures(t *testing.T) {
	found := 0
	for _, d := range captureDirs {
		found += checkQueueAndSubmitCaptures(t, d.dir, d.delimiter)
	}
	if found == 0 {
		t.Skip("no squeue or sbatch captures in testdata/real yet")
	}
}

// checkQueueAndSubmitCaptures parses the squeue and sbatch captures in dir
// and returns how many it found.
func checkQueueAndSubmitCaptures(t *testing.T, dir, delimiter string) (found int) {
	t.Helper()
	format := strings.ReplaceAll(SqueueFormat, Delimiter, delimiter)
	parsers := map[string]func([]byte) error{
		".squeue": func(out []byte) error {
			_, err := SqueueParser{Format: format, Delimiter: delimiter, Location: time.UTC}.Parse(out)
			return err
		},
		".sbatch": func(out []byte) error { _, err := parseSbatchID(out); return err },
	}
	for ext, parse := range parsers {
		captures, err := filepath.Glob(filepath.Join(dir, "*"+ext))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range captures {
			found++
			out, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := parse(out); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
	}
	return found
}

// TestRealUnreadableRow reads real output with a job whose name holds the
// delimiter itself (testdata/real*/unitsep/unreadable, both versions): its row is skipped
// and named, and the plain job beside it is read.
func TestRealUnreadableRow(t *testing.T) {
	for _, tt := range []struct{ version, skipped, plain string }{
		{"real", "20", "21"},
		{"real-24.11", "86", "87"},
	} {
		dir := filepath.Join("testdata", tt.version, "unitsep", "unreadable")
		sacctOut, err := os.ReadFile(filepath.Join(dir, "mixed.sacct"))
		if err != nil {
			t.Fatal(err)
		}
		squeueOut, err := os.ReadFile(filepath.Join(dir, "mixed.squeue"))
		if err != nil {
			t.Fatal(err)
		}
		jobs, sacctErr := SacctParser{Format: LegacySacctFormat, Location: time.UTC}.Parse(sacctOut)
		entries, squeueErr := SqueueParser{Location: time.UTC}.Parse(squeueOut)
		if len(jobs) != 1 || jobs[0].ID != tt.plain || jobs[0].Name != "plain" || jobs[0].State.Name != StateCompleted {
			t.Errorf("%s: sacct: got %+v, want job %s plain COMPLETED", dir, jobs, tt.plain)
		}
		if len(entries) != 1 || entries[0].ID != tt.plain || entries[0].State.Name != StatePending {
			t.Errorf("%s: squeue: got %+v, want job %s PENDING", dir, entries, tt.plain)
		}
		for _, err := range []error{sacctErr, squeueErr} {
			var sk *SkippedRowsError
			if !errors.As(err, &sk) || !reflect.DeepEqual(skippedIDs(sk), []string{tt.skipped}) {
				t.Errorf("%s: got %v, want job %s's row skipped and named", dir, err, tt.skipped)
			}
		}
	}
}
