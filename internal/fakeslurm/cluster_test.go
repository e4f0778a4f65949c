package fakeslurm

import (
	"context"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
)

// TestClusters: a job sent to another cluster with -M (flag or #SBATCH
// line) is seen by sacct, squeue and scancel with the same -M only, as on
// a real multi-cluster site; an unknown cluster fails like Slurm 22.05.
func TestClusters(t *testing.T) {
	f := newFake(t)
	t.Setenv(EnvClusters, "snowy")
	c := newClient(t, 0)
	ctx := context.Background()
	f.script("train.sh", "#!/bin/bash\n#SBATCH -J d20\n")
	f.script("directive.sh", "#!/bin/bash\n#SBATCH -J d24\n#SBATCH --clusters=snowy\n")
	local, err := c.Submit(ctx, slurm.SubmitRequest{Script: "train.sh", Dir: f.work})
	if err != nil || local.Cluster != "" {
		t.Fatalf("local Submit = %+v, %v", local, err)
	}
	snowy, err := c.Submit(ctx, slurm.SubmitRequest{Script: "train.sh", Dir: f.work, Cluster: "snowy"})
	if err != nil || snowy.Cluster != "snowy" {
		t.Fatalf("Submit -M snowy = %+v, %v", snowy, err)
	}
	directive, err := c.Submit(ctx, slurm.SubmitRequest{Script: "directive.sh", Dir: f.work})
	if err != nil || directive.Cluster != "snowy" {
		t.Fatalf("Submit of a script with #SBATCH --clusters = %+v, %v; want it on snowy", directive, err)
	}

	ids := []string{local.ID, snowy.ID, directive.ID}
	if jobs, err := c.SacctOn(ctx, "snowy", ids); err != nil || len(jobs) != 2 || jobs[0].ID != snowy.ID {
		t.Errorf("sacct -M snowy = %+v, %v; want jobs %s and %s", jobs, err, snowy.ID, directive.ID)
	}
	if jobs, err := c.SacctOn(ctx, "", ids); err != nil || len(jobs) != 1 || jobs[0].ID != local.ID {
		t.Errorf("sacct = %+v, %v; want only the local job %s", jobs, err, local.ID)
	}
	if q, err := c.SqueueOn(ctx, "snowy"); err != nil || len(q) != 2 {
		t.Errorf("squeue -M snowy = %+v, %v; want 2 jobs", q, err)
	}
	if err := c.ScancelOn(ctx, slurm.JobRef{ID: snowy.ID}); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := c.SacctOn(ctx, "snowy", []string{snowy.ID}); len(jobs) != 1 || jobs[0].State.Terminal() {
		t.Errorf("scancel without -M cancelled the job on snowy: %+v", jobs)
	}
	if err := c.ScancelOn(ctx, snowy); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := c.SacctOn(ctx, "snowy", []string{snowy.ID}); len(jobs) != 1 || !jobs[0].State.Terminal() {
		t.Errorf("scancel -M snowy: %+v; want the job cancelled", jobs)
	}

	_, err = c.Submit(ctx, slurm.SubmitRequest{Script: "train.sh", Dir: f.work, Cluster: "nosuch"})
	if err == nil || !strings.Contains(err.Error(), "No cluster 'nosuch' known by database") || slurm.Classify(err) != slurm.ClassPermanent {
		t.Errorf("sbatch -M nosuch: %v (%v); want Slurm's permanent refusal", err, slurm.Classify(err))
	}
	if jobs, err := c.SacctOn(ctx, "nosuch", ids); err != nil || len(jobs) != 0 {
		t.Errorf("sacct -M nosuch = %+v, %v; want nothing and no error, like Slurm", jobs, err)
	}
}
