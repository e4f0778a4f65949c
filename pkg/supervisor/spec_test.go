package supervisor

import "testing"

// A -J in sbatch_args overrides the script's #SBATCH -J, so it is the name
// Slurm shows and the one adoption must look for.
func TestAdoptsByJobNameFromSbatchArgs(t *testing.T) {
	r := newRig(t, "d20")
	r.cfg.Runs["d20"].SbatchArgs = []string{"-J", "d20-custom"}
	r.restart()
	id := r.slurm.add("d20-custom", "RUNNING", "")
	r.tick()
	if st := r.state("d20"); st.Job == nil || st.Job.ID != id {
		t.Errorf("d20 job %+v; want job %s, named by sbatch_args, adopted", st.Job, id)
	}
}
