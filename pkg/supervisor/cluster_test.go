package supervisor

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// addOn adds a job on the given cluster.
func (m *memSlurm) addOn(cluster, name, state, comment string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.addLocked(name, state, comment)
	m.cluster[id] = cluster
	return id
}

// TestClusterRunFollowsItsJobThere: a run with cluster: snowy adopts its
// job from snowy's squeue, follows it with sacct -M snowy, resubmits with
// -M snowy and records the cluster; a live job of the same name on the
// local cluster is not its.
func TestClusterRunFollowsItsJobThere(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Runs["d20"].Cluster = "snowy"
	r.restart()
	r.slurm.addOn("", "d20-ckpt", "RUNNING", "") // the local cluster's: not the run's
	id := r.slurm.addOn("snowy", "d20-ckpt", "RUNNING", "")
	r.tick()
	st := r.state("d20")
	if st.Job == nil || st.Job.ID != id || st.Job.Cluster != "snowy" {
		t.Fatalf("after the first pass: job %+v; want %s on snowy", st.Job, id)
	}
	if r.slurm.count("squeue@snowy") != 1 || r.slurm.count("squeue") != 1 {
		t.Errorf("squeue calls: %d on snowy of %d; want the one on snowy", r.slurm.count("squeue@snowy"), r.slurm.count("squeue"))
	}

	r.checkpoint("d20", 1000, 0.9)
	r.now = r.now.Add(time.Hour)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.tick()
	if r.slurm.count("sacct@snowy") != r.slurm.count("sacct") || r.slurm.count("sacct") == 0 {
		t.Errorf("sacct calls: %d on snowy of %d; want all on snowy", r.slurm.count("sacct@snowy"), r.slurm.count("sacct"))
	}
	if len(r.slurm.submit) != 1 || r.slurm.submit[0].Cluster != "snowy" {
		t.Fatalf("submissions %+v; want one to snowy", r.slurm.submit)
	}
	st = r.state("d20")
	if st.Job == nil || st.Job.Cluster != "snowy" || st.Job.ID == id {
		t.Fatalf("after the resubmission: job %+v; want a new job on snowy", st.Job)
	}
	ev := r.events(run.EventJobResubmitted)
	if len(ev) != 1 || ev[0].ContextMap()[run.FieldCluster] != "snowy" {
		t.Errorf("job_resubmitted: %v; want cluster=snowy", ev)
	}
	// The journal's state names the cluster too.
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back run.RunState
	if err := json.Unmarshal(raw, &back); err != nil || back.Job.Cluster != "snowy" {
		t.Errorf("state round trip: %s -> %+v, %v", raw, back.Job, err)
	}
}

// TestClusterFromScriptDirective: #SBATCH -M in the script sends the run's
// jobs to that cluster, and the daemon looks for them there.
func TestClusterFromScriptDirective(t *testing.T) {
	r := newRig(t, "d20")
	script := "#!/bin/bash\n#SBATCH -J d20-ckpt\n#SBATCH -M snowy\nexec train \"$@\"\n"
	if err := os.WriteFile(r.cfg.Runs["d20"].Script, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r.restart()
	id := r.slurm.addOn("snowy", "d20-ckpt", "RUNNING", "")
	r.tick()
	if st := r.state("d20"); !st.Job.Is(id, "snowy") {
		t.Fatalf("job %+v; want %s on snowy", st.Job, id)
	}
}

// TestClusterQuietPassIsOneSacctPerCluster: two runs on two clusters, both
// running, cost one sacct on each and nothing else.
func TestClusterQuietPassIsOneSacctPerCluster(t *testing.T) {
	r := newRig(t, "a", "b", "c")
	r.cfg.Runs["b"].Cluster = "snowy"
	r.cfg.Runs["c"].Cluster = "snowy"
	r.restart()
	r.slurm.addOn("", "a-ckpt", "RUNNING", "")
	r.slurm.addOn("snowy", "b-ckpt", "RUNNING", "")
	r.slurm.addOn("snowy", "c-ckpt", "RUNNING", "")
	r.tick()
	for _, n := range []string{"a", "b", "c"} {
		if r.state(n).Job == nil {
			t.Fatalf("run %s adopted nothing", n)
		}
	}
	before := map[string]int{}
	for _, k := range []string{"sacct", "sacct@snowy", "squeue", "sacct_window"} {
		before[k] = r.slurm.count(k)
	}
	r.now = r.now.Add(2 * time.Minute)
	r.tick()
	if d := r.slurm.count("sacct") - before["sacct"]; d != 2 {
		t.Errorf("sacct calls in a quiet pass = %d; want 2 (one per cluster)", d)
	}
	if d := r.slurm.count("sacct@snowy") - before["sacct@snowy"]; d != 1 {
		t.Errorf("sacct -M snowy calls in a quiet pass = %d; want 1", d)
	}
	if d := r.slurm.count("squeue") - before["squeue"] + r.slurm.count("sacct_window") - before["sacct_window"]; d != 0 {
		t.Errorf("squeue/window calls in a quiet pass = %d; want 0", d)
	}
}

// TestClusterOldStateHasLocalJobs: a state file written before clusters
// existed has no cluster key; its jobs are the local cluster's.
func TestClusterOldStateHasLocalJobs(t *testing.T) {
	var st run.RunState
	old := `{"name":"d20","phase":"running","job":{"id":"41","attempt":2,"resume_step":1000},"intent":{"tag":"nsv:d20:3:ab","attempt":3,"from_step":1000,"at":"2026-11-28T17:00:00Z"},"attempts":2,"newest_step":1000}`
	if err := json.Unmarshal([]byte(old), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Job.Is("41", "") || st.Intent.Cluster != "" || st.Job.Ref() != (slurm.JobRef{ID: "41"}) {
		t.Errorf("old state: job %+v intent %+v; want job 41 on the local cluster", st.Job, st.Intent)
	}
	raw, _ := json.Marshal(st)
	if strings.Contains(string(raw), `"cluster"`) {
		t.Errorf("local jobs gained a cluster key: %s", raw)
	}
}

// TestSubmitNoRequeueByDefault: the daemon submits with --no-requeue unless
// the run says requeue: true.
func TestSubmitNoRequeueByDefault(t *testing.T) {
	r := newRig(t, "d20")
	req := submitRequest(r.sup.runs["d20"], run.Submit{FromStep: 100, Tag: "t"})
	if !slices.Contains(req.Flags, "--no-requeue") {
		t.Errorf("default flags %q; want --no-requeue", req.Flags)
	}
	r.cfg.Runs["d20"].Requeue = true
	r.restart()
	req = submitRequest(r.sup.runs["d20"], run.Submit{FromStep: 100, Tag: "t"})
	if slices.Contains(req.Flags, "--no-requeue") {
		t.Errorf("requeue: true flags %q; want no --no-requeue", req.Flags)
	}
}

// TestClusterChangedWhileJobRuns: the job stays on the cluster it was
// submitted to; after cluster: snowy is set, its end is still read from the
// local cluster, and the next submission goes to snowy.
func TestClusterChangedWhileJobRuns(t *testing.T) {
	r := newRig(t, "d20")
	id := r.slurm.add("d20-ckpt", "RUNNING", "")
	r.tick()
	r.cfg.Runs["d20"].Cluster = "snowy"
	if err := r.sup.Reload(r.cfg); err != nil {
		t.Fatal(err)
	}
	r.checkpoint("d20", 1000, 0.9)
	r.now = r.now.Add(time.Hour)
	r.slurm.set(id, "TIMEOUT", "0:0")
	r.tick()
	if len(r.slurm.submit) != 1 || r.slurm.submit[0].Cluster != "snowy" {
		t.Fatalf("submissions %+v; want one, to snowy", r.slurm.submit)
	}
	if r.slurm.count("squeue@snowy") != 0 {
		t.Errorf("squeue asked snowy %d times about a local job's end", r.slurm.count("squeue@snowy"))
	}
	if st := r.state("d20"); st.Job == nil || st.Job.Cluster != "snowy" || st.History[len(st.History)-1].Cluster != "" {
		t.Errorf("job %+v history %+v; want the new job on snowy, the old one local", st.Job, st.History)
	}
}

// TestClusterFromSbatchArgsNotRepeated: -M in sbatch_args sends the jobs
// there and is not given twice.
func TestClusterFromSbatchArgsNotRepeated(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Runs["d20"].SbatchArgs = []string{"-M", "snowy"}
	r.restart()
	rc := r.sup.runs["d20"]
	if rc.spec.Cluster != "snowy" {
		t.Fatalf("spec cluster %q; want snowy from sbatch_args", rc.spec.Cluster)
	}
	req := submitRequest(rc, run.Submit{FromStep: 100, Tag: "t"})
	if req.Cluster != "" || strings.Count(strings.Join(slurm.SbatchArgs(req), " "), "-M snowy") != 1 {
		t.Errorf("sbatch %q; want -M snowy once", slurm.SbatchArgs(req))
	}
}
