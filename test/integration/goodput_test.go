package integration

import (
	"encoding/json"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// A job hits its one-minute limit on the real cluster; report --json must
// account for it as sacct does: hours allocated = Elapsed × the CPUs of
// AllocTRES (the lab has no GPUs, so the unit is "cpu", and no gpu_hours),
// steps banked = the step the next job resumes from, steps lost = the
// steps its log printed after that, queue wait = Start - Submit; and the
// --save-every advice must have measured the interval the trainer used.
func TestReportAccountsTimeoutLikeSacct(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "goodput", runOptions{
		Start:      "submit",
		SbatchArgs: []string{"--time=1"},
		ValBPB:     0.01, // out of reach: the run goes on after the TIMEOUT
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "5000",
			"SIMTRAIN_STEP_TIME":      "0.1",
			"SIMTRAIN_SAVE_EVERY":     "130",
			"SIMTRAIN_EVAL_EVERY":     "1000",
		},
	})
	d := s.start()
	job1 := s.waitFor("job_resubmitted", nil, 30*time.Second).str("new_job_id")
	s.waitFor("job_state_changed", both(field("job_id", job1), field("state", "TIMEOUT")), 3*time.Minute)
	accounted := s.waitFor("job_accounted", field("job_id", job1), time.Minute)
	resub := s.waitFor("job_resubmitted", field("job_id", job1), time.Minute)
	d.stop()
	resume := resub.step("resume_step")
	s.logf("job_accounted: %s", accounted)

	out, err := exec.Command(suite.daemonBin, "report", s.jobName, "--json", "--config", s.configPath).Output()
	var rep struct {
		Unit string `json:"unit"`
		Jobs []struct {
			JobID       string   `json:"job_id"`
			State       string   `json:"state"`
			Unit        string   `json:"unit"`
			Units       int      `json:"units"`
			AllocHours  float64  `json:"alloc_hours"`
			GPUHours    *float64 `json:"gpu_hours"`
			BankedSteps int      `json:"banked_steps"`
			LostSteps   int      `json:"lost_steps"`
			StepTime    float64  `json:"step_time_seconds"`
			QueueWait   float64  `json:"queue_wait_seconds"`
			Restart     *float64 `json:"restart_seconds"`
		} `json:"jobs"`
		Advice *struct {
			SaveEvery int    `json:"save_every"`
			Current   int    `json:"current_save_every"`
			Text      string `json:"text"`
		} `json:"advice"`
	}
	if jerr := json.Unmarshal(out, &rep); jerr != nil || len(rep.Jobs) == 0 {
		t.Fatalf("report --json: %v (exit: %v): %s", jerr, err, out)
	}
	got := rep.Jobs[0]
	s.logf("report --json, job %s: %+v", job1, got)

	row, err := slurmlab.Retry("sacct", "-X", "-n", "--parsable2", sacctDelimiter, "-j", job1, "-o", "Elapsed,AllocTRES,Submit,Start")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(strings.TrimSpace(row), "\x1f")
	if len(f) != 4 {
		t.Fatalf("sacct row %q: want 4 fields", row)
	}
	elapsed, cpus := clockSeconds(t, f[0]), tresCount(f[1], "cpu")
	want := elapsed * float64(cpus) / 3600
	s.logf("sacct job %s: Elapsed %s (%.0f s), AllocTRES %s: %.6f cpu-hours; report: %.6f %s-hours",
		job1, f[0], elapsed, f[1], want, got.AllocHours, got.Unit)
	if got.JobID != job1 || got.State != "TIMEOUT" || got.Unit != "cpu" || got.Units != cpus || got.GPUHours != nil {
		t.Errorf("report job %+v, want job %s TIMEOUT in %d cpu(s), no gpu_hours", got, job1, cpus)
	}
	if math.Abs(got.AllocHours-want) > 1e-9 {
		t.Errorf("alloc_hours = %.9f, want Elapsed × cpus = %.9f", got.AllocHours, want)
	}
	if wait := localTime(f[3]).Sub(localTime(f[2])).Seconds(); got.QueueWait != wait {
		t.Errorf("queue_wait_seconds = %v, want Start - Submit = %v", got.QueueWait, wait)
	}
	if got.BankedSteps != resume || resume <= 0 {
		t.Errorf("banked_steps = %d, want the next job's resume step %d", got.BankedSteps, resume)
	}
	last := lastLoggedStep(s.trainLog(job1))
	if want := last + 1 - resume; got.LostSteps != want {
		t.Errorf("lost_steps = %d, want last logged step %d + 1 - %d = %d", got.LostSteps, last, resume, want)
	}
	if math.Abs(got.StepTime-0.1) > 0.02 {
		t.Errorf("step_time_seconds = %v, want about 0.1 (SIMTRAIN_STEP_TIME)", got.StepTime)
	}
	if got.Restart == nil || *got.Restart > elapsed {
		t.Errorf("restart_seconds = %v, want a value within the job's %v s", got.Restart, elapsed)
	}
	// The interval between saves is measured on the checkpoint files'
	// times: 130 steps, as SIMTRAIN_SAVE_EVERY says.
	if a := rep.Advice; a == nil || a.Current != 130 || a.SaveEvery <= 0 {
		t.Errorf("advice = %+v, want one measured from --save-every 130", a)
	} else {
		s.logf("advice: %s", a.Text)
	}
}

func clockSeconds(t *testing.T, s string) float64 {
	t.Helper()
	var h, m, sec int
	if _, err := splitClock(s, &h, &m, &sec); err != nil {
		t.Fatalf("Elapsed %q: %v", s, err)
	}
	return float64(h*3600 + m*60 + sec)
}

func splitClock(s string, h, m, sec *int) (int, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, strconv.ErrSyntax
	}
	var err error
	for i, p := range []*int{h, m, sec} {
		if *p, err = strconv.Atoi(parts[i]); err != nil {
			return i, err
		}
	}
	return 3, nil
}

// tresCount is the count of one TRES in sacct's AllocTRES.
func tresCount(tres, name string) int {
	for _, item := range strings.Split(tres, ",") {
		if k, v, ok := strings.Cut(item, "="); ok && k == name {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

var progressLine = regexp.MustCompile(`(?m)^step (\d+)/\d+`)

// lastLoggedStep is the highest N of the log's "step N/T" lines, -1 none.
func lastLoggedStep(log string) int {
	last := -1
	for _, m := range progressLine.FindAllStringSubmatch(log, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n > last {
			last = n
		}
	}
	return last
}
