package run

import "testing"

// Jobs lists the ended jobs and the current one once, oldest first.
func TestRunStateJobs(t *testing.T) {
	st := RunState{History: []JobRecord{{ID: "1"}, {ID: "2"}}, Job: &JobRecord{ID: "3"}}
	if got := st.Jobs(); len(got) != 3 || got[2].ID != "3" {
		t.Errorf("Jobs = %v, want 1 2 3", got)
	}
	st.Job = &JobRecord{ID: "2"}
	if got := st.Jobs(); len(got) != 2 {
		t.Errorf("Jobs with the current job also ending History = %v, want it once", got)
	}
	st.Job = &JobRecord{ID: "2", Cluster: "snowy"}
	if got := st.Jobs(); len(got) != 3 {
		t.Errorf("Jobs = %v: job 2 of another cluster is another job", got)
	}
	st.Job = nil
	if got := st.Jobs(); len(got) != 2 {
		t.Errorf("Jobs without a current job = %v", got)
	}
}
