package trainer

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var knownHints = []string{
	HintCUDAOOM, HintNCCLError, HintPythonTraceback, HintDiskQuota,
	HintTimeLimit, HintNodeFailure, HintKilledOOM, HintPreempted, HintCUDAError,
}

func addFixtureSeeds(f *testing.F, add func(data []byte)) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.log"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixture logs: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(data)
	}
}

// FuzzParseLog checks that no input crashes the parser, that the summary
// stays within its documented bounds, and that reading the log in two
// pieces through LogTail gives the same summary as reading it at once.
func FuzzParseLog(f *testing.F) {
	addFixtureSeeds(f, func(data []byte) { f.Add(data, uint16(len(data)/3)) })
	for _, s := range []string{
		"Step 00100 | Validation bpb: nan\nStep 1 | CORE metric: 1e999\n",
		"step 1/2 (50%)\rstep 2/2\r\nTotal training time: 1m\n",
		"\x1b[1mStep\x1b]0;t\x07 5 | Validation bpb: 0.5\x1b[0m\n",
		"Resuming optimization from step 99999999999999999999999\n",
		"Minimum validation bpb: -inf\nDUE TO TIME LIMIT\r",
		"\xff\xfe\x00Step \x1b[ | CORE metric:\n",
	} {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		whole, err := parseLog(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("parseLog: %v", err)
		}
		checkSummaryBounds(t, whole)
		at := min(int(cut), len(data))
		var tail LogTail
		if err := tail.Update(bytes.NewReader(data[:at]), int64(at)); err != nil {
			t.Fatal(err)
		}
		checkSummaryBounds(t, tail.Summary())
		if err := tail.Update(bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		if got := tail.Summary(); !sameSummary(got, whole) {
			t.Errorf("LogTail cut at %d differs from parseLog:\n got %+v\nwant %+v", at, got, whole)
		}
	})
}

func checkSummaryBounds(t *testing.T, s LogSummary) {
	t.Helper()
	if len(s.LastLines) > MaxLastLines {
		t.Errorf("bounds: %d last lines", len(s.LastLines))
	}
	for _, l := range s.LastLines {
		if l == "" || len(l) > MaxEvidenceBytes || strings.ContainsAny(l, "\n\r\x1b") {
			t.Errorf("bad LastLines entry %q", l)
		}
	}
	for i, h := range s.Hints {
		if !slices.Contains(knownHints, h) || slices.Index(s.Hints, h) != i {
			t.Errorf("Hints %q: unknown or repeated %q", s.Hints, h)
		}
	}
	if s.LastStep < -1 || s.ResumedFrom < -1 || s.PlannedTotal < 0 {
		t.Errorf("LastStep, ResumedFrom, PlannedTotal = %d, %d, %d", s.LastStep, s.ResumedFrom, s.PlannedTotal)
	}
	for _, p := range slices.Concat(s.ValBPB, s.Core) {
		if p.Step < 0 {
			t.Errorf("negative step in %v", p)
		}
	}
}

// FuzzScriptJobName checks that no script crashes the #SBATCH reader and
// that lines after the first command never change the answer.
func FuzzScriptJobName(f *testing.F) {
	f.Add([]byte(uppmaxScript))
	for _, s := range []string{
		"#SBATCH -J 'a b' # c\n",
		"#SBATCH --job-name=\"x\\\"y\"\n",
		"#SBATCH -J\n#SBATCH --job-name\n",
		"#SBATCH -vJ\\\n",
		"#SLURM -J 'unterminated\n#SBATCH -Jz\r\n",
		"\n\n   \t#SBATCH -J indented\n#SBATCH hetjob -J h\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		name := ScriptJobName(script)
		if strings.Contains(name, "\n") {
			t.Errorf("job name %q spans lines", name)
		}
		if !bytes.Contains(script, []byte("#SBATCH")) && !bytes.Contains(script, []byte("#SLURM")) && name != "" {
			t.Errorf("job name %q from a script without directives", name)
		}
		more := append(slices.Clone(script), "\necho done\n#SBATCH -J after-command\n"...)
		if got := ScriptJobName(more); got != name {
			t.Errorf("a directive after a command changed the name from %q to %q", name, got)
		}
		_, _ = ScriptTimeLimit(script)
		src := ResolveLogSources(LogSourceInput{Script: script})
		if src.Log.Pattern == "" || src.Error.Pattern == "" {
			t.Errorf("empty pattern in %+v", src)
		}
		for _, w := range LintScript(script, LintInput{Ranks: 2, ResumeArgs: []string{"{step}"}}) {
			if w.Line < 0 || w.Line > bytes.Count(script, []byte("\n"))+1 || w.Message == "" {
				t.Errorf("warning %+v outside the script's %d lines", w, bytes.Count(script, []byte("\n"))+1)
			}
		}
	})
}

func FuzzLogPath(f *testing.F) {
	f.Add("%x-%8j_%A_%a.%u%%%", "123_4", "d20")
	f.Add(`a\%j\\`, "1", "")
	f.Fuzz(func(t *testing.T, pattern, jobID, jobName string) {
		got := logPath(pattern, "/w", jobID, jobName)
		if utf8.ValidString(pattern) && utf8.ValidString(jobID) && utf8.ValidString(jobName) && !utf8.ValidString(got) {
			t.Errorf("logPath(%q) = %q: invalid UTF-8 from valid input", pattern, got)
		}
		if !strings.HasPrefix(got, "/") {
			t.Errorf("logPath(%q) = %q, want an absolute path under /w", pattern, got)
		}
	})
}

func FuzzParseTimeLimit(f *testing.F) {
	for _, s := range []string{"30", "1-12:30:45", "UNLIMITED", "99:99", "2147483647-23:59:59", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTimeLimit(s)
		if d < 0 || (err != nil && d != 0) {
			t.Errorf("ParseTimeLimit(%q) = %v, %v", s, d, err)
		}
		if err == nil && d%60e9 != 0 {
			t.Errorf("ParseTimeLimit(%q) = %v, not whole minutes", s, d)
		}
	})
}
