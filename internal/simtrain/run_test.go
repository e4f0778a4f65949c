package simtrain

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The log formats of the team brief, exactly; trainer.LogTail reads these.
var (
	reStep      = regexp.MustCompile(`^step (\d{5,})/(\d{5,}) \((\d+\.\d{2})%\) \| loss: (\d+\.\d{6}) \| lrm: (\d+\.\d{2}) \| dt: (\d+\.\d{2})ms \| tok/sec: (\d{1,3}(?:,\d{3})*) \| mfu: (\d+\.\d{2}) \| total time: (\d+\.\d{2})m$`)
	reVal       = regexp.MustCompile(`^Step (\d{5,}) \| Validation bpb: (\d+\.\d{6})$`)
	reCore      = regexp.MustCompile(`^Step (\d{5,}) \| CORE metric: (\d+\.\d{4})$`)
	reResume    = regexp.MustCompile(`^Resuming optimization from step (\d+)$`)
	reMinBPB    = regexp.MustCompile(`^Minimum validation bpb: (\d+\.\d{6})$`)
	reTotal     = regexp.MustCompile(`^Total training time: (\d+\.\d{2})m$`)
	reTraceback = regexp.MustCompile(`^Traceback \(most recent call last\):$`)
)

// testConfig is a 30-step run saving every 10 steps, with no waiting.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.CheckpointDir = t.TempDir()
	cfg.NumIterations = 30
	cfg.SaveEvery = 10
	cfg.EvalEvery = 10
	cfg.CoreMetricEvery = 15
	cfg.StepTime = 0
	cfg.ModelBytes = 4096
	return cfg
}

type result struct {
	stdout, stderr string
	err            error
}

func runSim(t *testing.T, ctx context.Context, cfg Config) result {
	t.Helper()
	var out, errOut bytes.Buffer
	cfg.Stderr = &errOut
	err := Run(ctx, cfg, &out)
	return result{out.String(), errOut.String(), err}
}

// grep returns the submatches of every stdout line matching re.
func grep(stdout string, re *regexp.Regexp) [][]string {
	var got [][]string
	for line := range strings.Lines(stdout) {
		if m := re.FindStringSubmatch(strings.TrimSuffix(line, "\n")); m != nil {
			got = append(got, m)
		}
	}
	return got
}

func steps(matches [][]string) []int {
	var s []int
	for _, m := range matches {
		n, _ := strconv.Atoi(m[1])
		s = append(s, n)
	}
	return s
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFreshRunLogAndCheckpoints(t *testing.T) {
	cfg := testConfig(t)
	cfg.Ranks = 2
	res := runSim(t, context.Background(), cfg)
	if res.err != nil {
		t.Fatalf("Run: %v\n%s", res.err, res.stderr)
	}
	if got, want := steps(grep(res.stdout, reStep)), intRange(0, 29); !slices.Equal(got, want) {
		t.Errorf("step lines = %v, want %v", got, want)
	}
	if got, want := steps(grep(res.stdout, reVal)), []int{0, 10, 20, 30}; !slices.Equal(got, want) {
		t.Errorf("validation steps = %v, want %v", got, want)
	}
	if got, want := steps(grep(res.stdout, reCore)), []int{15, 30}; !slices.Equal(got, want) {
		t.Errorf("CORE steps = %v, want %v (every 15 and the last)", got, want)
	}
	for _, m := range grep(res.stdout, reStep) {
		if m[2] != "00030" {
			t.Errorf("planned total in %q = %s, want 00030", m[0], m[2])
		}
	}
	wantMin := fmt.Sprintf("%.6f", cfg.Curve.resolved(30).ValBPB(30))
	if got := grep(res.stdout, reMinBPB); len(got) != 1 || got[0][1] != wantMin {
		t.Errorf("minimum line = %v, want one with %s", got, wantMin)
	}
	if got := grep(res.stdout, reTotal); len(got) != 1 {
		t.Errorf("total training time lines = %d, want 1", len(got))
	}
	var want []string
	for _, s := range []int{10, 20, 30} {
		want = append(want, metaName(s), modelName(s), optimName(s, 0), optimName(s, 1))
	}
	slices.Sort(want)
	if got := listDir(t, cfg.CheckpointDir); !slices.Equal(got, want) {
		t.Errorf("checkpoint dir = %q, want %q (no temp files, no step 0)", got, want)
	}
}

func intRange(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// Per step, nanochat evaluates, then saves, then trains: the validation
// line of a step comes before that step's training line, and the log of a
// save step ends its evaluation lines before the checkpoint logger speaks.
func TestLogOrderWithinAStep(t *testing.T) {
	cfg := testConfig(t)
	cfg.Stderr = nil
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	log := out.String()
	order := []string{
		"Step 00015 | CORE metric:",
		"step 00015/00030",
		"Step 00020 | Validation bpb:",
		"Saved model parameters to: " + filepath.Join(cfg.CheckpointDir, "model_000020.pt"),
		"Saved metadata to:",
		"Saved optimizer state to:",
		"step 00020/00030",
		"Step 00030 | Validation bpb:",
		"Step 00030 | CORE metric:",
		"Saved model parameters to: " + filepath.Join(cfg.CheckpointDir, "model_000030.pt"),
		"Peak memory usage:",
		"Total training time:",
		"Minimum validation bpb:",
	}
	pos := 0
	for _, s := range order {
		i := strings.Index(log[pos:], s)
		if i < 0 {
			t.Fatalf("%q missing or out of order after offset %d in:\n%s", s, pos, log)
		}
		pos += i + len(s)
	}
}

func TestEveryLogLineHasAKnownFormat(t *testing.T) {
	cfg := testConfig(t)
	res := runSim(t, context.Background(), cfg)
	if res.err != nil {
		t.Fatal(res.err)
	}
	known := []*regexp.Regexp{reStep, reVal, reCore, reMinBPB, reTotal,
		regexp.MustCompile(`^nsv-simtrain: `), regexp.MustCompile(`^Using user-provided number of iterations: [\d,]+$`),
		regexp.MustCompile(`^Peak memory usage: \d+\.\d{2}MiB$`)}
	for line := range strings.Lines(res.stdout) {
		line = strings.TrimSuffix(line, "\n")
		if !slices.ContainsFunc(known, func(re *regexp.Regexp) bool { return re.MatchString(line) }) {
			t.Errorf("unexpected stdout line %q", line)
		}
	}
}

func TestResumeContinuesTheSameCurve(t *testing.T) {
	cfg := testConfig(t)
	fresh := runSim(t, context.Background(), cfg)
	if fresh.err != nil {
		t.Fatal(fresh.err)
	}
	cfg.ResumeFromStep = 20
	before := fileContents(t, cfg.CheckpointDir)
	resumed := runSim(t, context.Background(), cfg)
	if resumed.err != nil {
		t.Fatalf("resume: %v\n%s", resumed.err, resumed.stderr)
	}
	if got := grep(resumed.stdout, reResume); len(got) != 1 || got[0][1] != "20" {
		t.Errorf("resume lines = %v, want one for step 20", got)
	}
	if got, want := steps(grep(resumed.stdout, reStep)), intRange(20, 29); !slices.Equal(got, want) {
		t.Errorf("resumed step lines = %v, want %v", got, want)
	}
	// Evaluations and the smoothed loss carry on exactly where the fresh run was.
	for _, re := range []*regexp.Regexp{reVal, reCore, reMinBPB} {
		got, want := lines(resumed.stdout, re), lines(fresh.stdout, re)
		if !isSuffix(got, want) || len(got) == 0 {
			t.Errorf("resumed %v lines %q are not the tail of the fresh run's %q", re, got, want)
		}
	}
	if got, want := lossColumn(resumed.stdout), lossColumn(fresh.stdout)[20:]; !slices.Equal(got, want) {
		t.Errorf("resumed losses %v, want the fresh run's %v", got, want)
	}
	// Metas record user_config, whose resume_from_step differs between runs.
	after := fileContents(t, cfg.CheckpointDir)
	if after[metaName(20)] != before[metaName(20)] {
		t.Error("resume re-saved the step it resumed from; nanochat never does")
	}
	if after[metaName(30)] == before[metaName(30)] {
		t.Error("resumed run did not save the last step")
	}
}

func lines(stdout string, re *regexp.Regexp) []string {
	var s []string
	for _, m := range grep(stdout, re) {
		s = append(s, m[0])
	}
	return s
}

func lossColumn(stdout string) []string {
	var s []string
	for _, m := range grep(stdout, reStep) {
		s = append(s, m[4])
	}
	return s
}

func isSuffix(short, long []string) bool {
	return len(short) <= len(long) && slices.Equal(short, long[len(long)-len(short):])
}

func fileContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, name := range listDir(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = string(data)
	}
	return m
}

func TestCheckpointFilesAreValid(t *testing.T) {
	cfg := testConfig(t)
	cfg.Ranks = 3
	cfg.EvalEvery = -1
	if res := runSim(t, context.Background(), cfg); res.err != nil {
		t.Fatal(res.err)
	}
	for r := range 3 {
		for _, name := range []string{modelName(10), optimName(10, r)} {
			zr, err := zip.OpenReader(filepath.Join(cfg.CheckpointDir, name))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got, want := zr.File[0].Name, strings.TrimSuffix(name, ".pt")+"/data.pkl"; got != want {
				t.Errorf("%s: first entry %q, want %q", name, got, want)
			}
			zr.Close()
		}
	}
	raw, err := os.ReadFile(filepath.Join(cfg.CheckpointDir, metaName(10)))
	if err != nil {
		t.Fatal(err)
	}
	// With eval off nanochat writes val_bpb null and a bare Infinity.
	for _, want := range []string{`"val_bpb": null`, `"min_val_bpb": Infinity`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("meta lacks %s:\n%s", want, raw)
		}
	}
	meta, err := DecodeMeta(raw)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 10 || meta.ValBPB != nil || meta.MaxSeqLen != 2048 || meta.TotalBatchSize != 524288 || meta.DeviceBatchSize != 32 {
		t.Errorf("meta = %+v", meta)
	}
}

// TestEvaluationPauses: --eval-seconds and --core-seconds are slept before
// each val_bpb and CORE line, so the log is silent while nanochat would
// evaluate: 4 val_bpb (0, 10, 20, 30) and 2 CORE (15, 30) evaluations.
func TestEvaluationPauses(t *testing.T) {
	cfg := testConfig(t)
	cfg.EvalTime, cfg.CoreTime = 20*time.Millisecond, 50*time.Millisecond
	start := time.Now()
	r := runSim(t, context.Background(), cfg)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got, want := time.Since(start), 4*cfg.EvalTime+2*cfg.CoreTime; got < want {
		t.Errorf("run took %v, want at least %v of evaluation pauses", got, want)
	}
}
