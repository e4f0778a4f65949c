package slurm

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestDropEnv(t *testing.T) {
	env := []string{"HOME=/h", "SLURM_JOB_ID=7", "SLURM_CONF=/etc/slurm/slurm.conf", "SBATCH_TIMELIMIT=5",
		"MY_SLURM_X=1", "PATH=/bin", "SQUEUE_FORMAT=%i"}
	got := dropEnv(env, JobEnv)
	want := []string{"HOME=/h", "SLURM_CONF=/etc/slurm/slurm.conf", "MY_SLURM_X=1", "PATH=/bin", "SQUEUE_FORMAT=%i"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := dropEnv(env, []string{"PATH"}); len(got) != len(env)-1 {
		t.Errorf("dropping PATH by name: got %q", got)
	}
}

// TestExecRunnerDropsInheritedEnv runs a program that prints its
// environment: dropped variables are gone, Env's are there even when they
// match.
func TestExecRunnerDropsInheritedEnv(t *testing.T) {
	bin := t.TempDir()
	writeScript(t, bin, "envdump", "env")
	t.Setenv("SLURM_JOB_ID", "7")
	t.Setenv("SBATCH_TIMELIMIT", "5")
	out, _, err := (&ExecRunner{BinDir: bin}).Run(context.Background(),
		Command{Name: "envdump", Drop: JobEnv, Env: []string{"SLURM_MY_OWN=1"}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "SLURM_JOB_ID=") || strings.Contains(s, "SBATCH_TIMELIMIT=") || !strings.Contains(s, "SLURM_MY_OWN=1") {
		t.Errorf("environment:\n%s\nwant no SLURM_JOB_ID or SBATCH_TIMELIMIT, and SLURM_MY_OWN=1", s)
	}
}
