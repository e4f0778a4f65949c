package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// secondCluster is the cluster the multi-cluster test sends its jobs to:
// NSV_IT_CLUSTER, else snowy (deploy/slurm-local's second cluster).
func secondCluster(t *testing.T) string {
	t.Helper()
	name := os.Getenv("NSV_IT_CLUSTER")
	if name == "" {
		name = "snowy"
	}
	if _, err := slurmlab.Retry("squeue", "-h", "-M", name, "-o", "%i"); err != nil {
		msg := "no second cluster " + name + " (deploy/slurm-local/up.sh brings up snowy beside lab): " + err.Error()
		if suite.lab.Require {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return name
}

// On UPPMAX-like sites the GPU jobs run on another cluster, reached with
// -M. A run with cluster: snowy is submitted there, its TIMEOUT is seen
// through sacct -M snowy and it is resumed there from the newest complete
// checkpoint; state and status name the cluster, and nothing of it lands
// on the local cluster, whose job ids overlap with snowy's.
func TestSecondClusterTimeoutResumesThere(t *testing.T) {
	t.Parallel()
	needSlurm(t)
	cluster := secondCluster(t)
	s := newScenario(t, "cluster", runOptions{
		Start:      "submit",
		Cluster:    cluster,
		SbatchArgs: []string{"--time=1"},
		Policy:     map[string]string{"backoff": "1s", "max_backoff": "2s"},
		Env: map[string]string{
			"SIMTRAIN_NUM_ITERATIONS": "100000",
			"SIMTRAIN_STEP_TIME":      "0.1",
			"SIMTRAIN_SAVE_EVERY":     "100",
			"SIMTRAIN_EVAL_EVERY":     "100",
		},
	})
	t.Cleanup(func() { _, _ = slurmlab.Cmd("scancel", "-M", cluster, "--name="+s.jobName) })
	s.start()

	first := s.waitFor("job_resubmitted", nil, 30*time.Second)
	job1 := first.str("new_job_id")
	if got := first.str("cluster"); got != cluster {
		t.Fatalf("first submission: cluster = %q, want %q", got, cluster)
	}
	// sacct has no row for a second or two after sbatch (SLURM-FACTS.md).
	s.waitUntil("sacct -M "+cluster+" to know job "+job1, 30*time.Second, func() bool { return sacctOn(t, cluster, job1) != "" })

	resub := s.waitFor("job_resubmitted", field("job_id", job1), 4*time.Minute)
	job2 := resub.str("new_job_id")
	if got := resub.str("cluster"); got != cluster {
		t.Errorf("resubmission: cluster = %q, want %q", got, cluster)
	}
	if state := sacctOn(t, cluster, job1); state != "TIMEOUT" {
		t.Errorf("sacct -M %s: job %s is %q, want TIMEOUT", cluster, job1, state)
	}
	// The ckpt verb gives files written in the last seconds time to
	// settle; the daemon does not wait once the job is gone, so a step
	// saved just before the TIMEOUT may be "still being written" here.
	v := s.ckptVerb()
	newest := -1
	for _, st := range v.Steps {
		if st.Complete || strings.HasPrefix(st.Reason, "still being written") {
			newest = max(newest, st.Step)
		}
	}
	if got := resub.step("resume_step"); got < 100 || got > newest {
		t.Errorf("resubmission resumes from %d, want a complete step from 100 to the newest; ckpt says %+v", got, v)
	}
	s.waitLog(job2, "Resuming optimization from step", 90*time.Second)

	// The state and status name the job with its cluster.
	out, err := exec.Command(suite.daemonBin, "status", "--json", "--config", s.configPath).Output()
	var rows []struct {
		JobID   string `json:"job_id"`
		Cluster string `json:"cluster"`
	}
	if jerr := json.Unmarshal(out, &rows); jerr != nil || len(rows) != 1 {
		t.Fatalf("status --json: %v (%v): %s", jerr, err, out)
	}
	if rows[0].JobID != job2 || rows[0].Cluster != cluster {
		t.Errorf("status: job %s cluster %q, want %s on %s", rows[0].JobID, rows[0].Cluster, job2, cluster)
	}
	// Nothing of the run on the local cluster.
	local, _ := slurmlab.Retry("sacct", "-X", "-n", "--parsable2", "--name="+s.jobName, "-S", "now-1hour", "-E", "now", "-o", "JobID")
	if strings.TrimSpace(local) != "" {
		t.Errorf("the local cluster has jobs of the run: %q", local)
	}
	s.logf("cluster %s: job %s timed out, job %s resumed from step %d", cluster, job1, job2, resub.step("resume_step"))
}

// sacctOn is the sacct state of a job on a cluster, "" when sacct has no
// row for it.
func sacctOn(t *testing.T, cluster, id string) string {
	t.Helper()
	out, err := slurmlab.Retry("sacct", "-M", cluster, "-X", "-n", "--parsable2", "-j", id, "-o", "JobID,State")
	if err != nil {
		t.Fatalf("%v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if jid, state, ok := strings.Cut(line, "|"); ok && jid == id {
			return state
		}
	}
	return ""
}
