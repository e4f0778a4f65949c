package torture

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// orphanDelay is how long the orphaned sbatch takes to create its job: a
// little longer than the daemon's intent grace. Real sbatch takes that
// long when slurmctld is saturated: it retries "Slurm temporarily unable
// to accept job, sleeping and retrying" up to 15 times, sleeping 1, 2, …
// 15 s (120 s of sleep alone), and the job exists as soon as one retry
// gets through.
const orphanDelay = intentGrace + 15*time.Second

// The daemon is killed with kill -9 (not its control group: tmux, nohup,
// scrontab) while sbatch is still trying to submit. Before the fix, the
// orphaned sbatch got through after the restarted daemon had waited out
// its grace, voided the intent and submitted again: two live jobs. Now
// sbatch dies with the daemon. DESIGN.md: never two live jobs for one run,
// not after a crash of the daemon at any instant.
func TestOrphanedSbatchLaterThanIntentGrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the orphaned sbatch through /proc")
	}
	if testing.Short() {
		t.Skip("waits out the daemon's 2 min intent grace")
	}
	t.Parallel()
	h := newHarness(t, []string{"solo"})
	solo := h.runs[0]

	first, err := h.startDaemon(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := first.waitEvent(run.EventJobResubmitted, solo.Name, 0, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.cluster.run("fault", "sbatch", "--sleep", orphanDelay.String()); err != nil {
		t.Fatal(err)
	}
	// The job ends; the daemon journals the next intent and runs sbatch,
	// which hangs. kill -9 lands while it does.
	if err := writeSettledStep(solo.Ckpt, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := h.cluster.run("set", sub.NewJobID, "TIMEOUT"); err != nil {
		t.Fatal(err)
	}
	intent, err := first.waitEvent(run.EventSubmitIntent, solo.Name, 1, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	first.kill()
	if killed, err := first.wait(); !killed {
		t.Fatalf("first daemon: not killed: %v", err)
	}
	// sbatch dies with its daemon (pkg/slurm sets Pdeathsig): no orphan
	// is left to create a job after the restarted daemon's grace.
	if err := waitNoProcessesOf(h.slurmExe, 5*time.Second); err != nil {
		t.Fatalf("sbatch outlived its daemon: %v", err)
	}

	second, err := h.startDaemon(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		second.kill()
		second.wait()
	}()
	// The restarted daemon voids the intent after its grace and submits
	// again; long after that, still one live job.
	if _, err := second.waitEvent(run.EventJobResubmitted, solo.Name, 0, orphanDelay+30*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Second)

	jobs, err := h.cluster.jobs()
	if err != nil {
		t.Fatal(err)
	}
	var live []fakeJob
	for _, j := range jobs {
		if j.Name == solo.JobName && j.live() {
			live = append(live, j)
		}
	}
	t.Logf("intent %s at %s; jobs: %v", intent.Tag, intent.At.Format("15:04:05.000"), jobs)
	if len(live) > 1 {
		t.Errorf("run %s has %d live jobs, want 1: %s\njournal:\n%s\nsecond daemon:\n%s", solo.Name, len(live),
			liveJobsOf(jobs, solo.JobName), journalExcerpt(h.stateDir, solo.Name, 8), tail(second.log(), 12))
	}
	jv, err := readJournal(h.stateDir)
	if err != nil {
		t.Fatal(err)
	}
	st := jv.states[solo.Name]
	if len(live) == 1 && (st.Job == nil || st.Job.ID != strconv.Itoa(live[0].ID)) {
		t.Errorf("run %s: current job %s, want its live job %d", solo.Name, jobID(st.Job), live[0].ID)
	}
}
