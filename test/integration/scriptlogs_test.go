package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// uppmaxDirectives send a job's stdout and stderr to files of their own
// outside the working directory, as the UPPMAX scripts do (with an
// absolute path: Slurm expands no "~" in #SBATCH lines).
var uppmaxDirectives = []string{
	"-o {dir}/logs/nanochat-d20-ckpt-%j.out",
	"-e {dir}/logs/nanochat-d20-ckpt-%j.err",
}

// uppmaxScenario is a 200-step run whose script names its own log files
// and whose config has no log key. With tau = 200/4, val_bpb(100) ≈ 0.768,
// CORE(100) ≈ 0.216, val_bpb(200) ≈ 0.709, CORE(200) ≈ 0.2454: targets of
// 0.71 and 0.245 are met only at the final step, and only the log says
// CORE.
func uppmaxScenario(t *testing.T, short string, core float64, env map[string]string) *scenario {
	knobs := map[string]string{
		"SIMTRAIN_NUM_ITERATIONS":    "200",
		"SIMTRAIN_STEP_TIME":         "0.05",
		"SIMTRAIN_SAVE_EVERY":        "100",
		"SIMTRAIN_EVAL_EVERY":        "50",
		"SIMTRAIN_CORE_METRIC_EVERY": "100",
	}
	for k, v := range env {
		knobs[k] = v
	}
	s := newScenario(t, short, runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=3"},
		ValBPB:     0.71,
		Core:       core,
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Directives: uppmaxDirectives,
		NoLogKey:   true,
		Env:        knobs,
	})
	if err := os.Mkdir(filepath.Join(s.dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *scenario) uppmaxLog(job, ext string) string {
	return readOr(filepath.Join(s.dir, "logs", "nanochat-d20-ckpt-"+job+"."+ext))
}

// A run trained to its final step reaches its targets there: the daemon
// sees CORE in the log the script's #SBATCH -o names, calls the run done,
// and submits nothing more.
func TestScriptOutputLogFinalStepTargetsReached(t *testing.T) {
	t.Parallel()
	s := uppmaxScenario(t, "uppmax-done", 0.245, nil)
	d := s.start()
	job := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	done := s.waitFor("run_target_reached", nil, 3*time.Minute)
	if got := done.step("newest_step"); got != 200 {
		t.Errorf("run_target_reached newest_step = %d, want 200 (the final step)", got)
	}
	if code := s.waitExit(d, 30*time.Second); code != 0 {
		t.Errorf("daemon exit code = %d, want 0", code)
	}
	s.assertStatus("done", "target_reached", 1)
	s.waitGone(job, 2*time.Minute)
	s.assertJobsAccounted(1)
	if got := s.events.matching("log_missing", nil); len(got) != 0 {
		t.Errorf("log_missing events %v, want none", got)
	}
	if log := s.uppmaxLog(job, "out"); !strings.Contains(log, "CORE metric") {
		t.Errorf("the script's -o file has no CORE line:\n%s", tail(log, 10))
	}
}

// The same run with a CORE target it never reaches: once the job trained
// to its final step and COMPLETED, the run stops below target; it is not
// resubmitted from the final step.
func TestScriptOutputLogFinalStepBelowTarget(t *testing.T) {
	t.Parallel()
	s := uppmaxScenario(t, "uppmax-below", 0.3, nil)
	d := s.start()
	job := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	stop := s.waitFor("run_stopped", nil, 3*time.Minute)
	if got := stop.str("reason"); got != "completed_below_target" {
		t.Errorf("run_stopped reason = %q, want completed_below_target", got)
	}
	if code := s.waitExit(d, 30*time.Second); code == 0 {
		t.Errorf("daemon exit code = 0, want non-zero (a run stopped below target)")
	}
	s.assertStatus("stopped", "completed_below_target", 1)
	jobs := s.assertJobsAccounted(1)
	if j, ok := jobs[job]; ok && j.State != "COMPLETED" {
		t.Errorf("sacct state of job %s = %q, want COMPLETED", job, j.State)
	}
}

// A crash's traceback goes to the script's -e file, as Python writes it
// to stderr: the daemon's hints come from there.
func TestScriptErrorFileHints(t *testing.T) {
	t.Parallel()
	s := uppmaxScenario(t, "uppmax-oom", 0.245, map[string]string{"SIMTRAIN_CUDA_OOM_AT_STEP": "30"})
	s.start()
	job := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	ended := s.waitFor("run_backoff", func(e event) bool { return e.str("job_id") == job }, 2*time.Minute)
	hints, _ := ended.Fields["hints"].([]any)
	var got []string
	for _, h := range hints {
		if str, ok := h.(string); ok {
			got = append(got, str)
		}
	}
	if !slices.Contains(got, "cuda_oom") {
		t.Errorf("run_backoff hints = %v, want cuda_oom among them", got)
	}
	if errLog := s.uppmaxLog(job, "err"); !strings.Contains(errLog, "OutOfMemoryError") {
		t.Errorf("the script's -e file has no OutOfMemoryError:\n%s", tail(errLog, 10))
	}
	if out := s.uppmaxLog(job, "out"); strings.Contains(out, "OutOfMemoryError") {
		t.Errorf("the traceback is in the -o file too; the test needs it only in -e")
	}
}
