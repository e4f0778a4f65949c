package ckpt

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// stepSpec is a compact description of a step in a test report.
type stepSpec struct {
	step      int
	complete  bool
	val       float64 // 0 means no val_bpb
	saveEvery int
}

func reportOf(specs ...stepSpec) Report {
	var r Report
	for _, s := range specs {
		st := Step{Step: s.step, Complete: s.complete, Bytes: int64(s.step), SaveEvery: s.saveEvery}
		if s.val != 0 {
			v := s.val
			st.ValBPB = &v
		}
		r.Steps = append(r.Steps, st)
	}
	return r
}

// series returns complete steps every..n*every with val_bpb falling.
func series(n, every int) []stepSpec {
	var out []stepSpec
	for i := 1; i <= n; i++ {
		out = append(out, stepSpec{step: i * every, complete: true, val: 2 - float64(i)/100, saveEvery: every})
	}
	return out
}

// withoutSaveEvery drops save_every, as for meta files that lack it.
func withoutSaveEvery(specs []stepSpec) []stepSpec {
	out := slices.Clone(specs)
	for i := range out {
		out[i].saveEvery = 0
	}
	return out
}

func keptSteps(p PrunePlan) map[int]string {
	m := map[int]string{}
	for _, k := range p.Keep {
		m[k.Step] = k.Reason
	}
	return m
}

func TestPlanPrune(t *testing.T) {
	withBestAt := func(specs []stepSpec, step int) []stepSpec {
		out := slices.Clone(specs)
		for i := range out {
			if out[i].step == step {
				out[i].val = 0.5
			}
		}
		return out
	}
	tests := []struct {
		name    string
		report  Report
		policy  RetentionPolicy
		protect map[int]string
		want    map[int]string
	}{
		{"keep last two", reportOf(series(10, 100)...), RetentionPolicy{KeepLast: 2}, nil, map[int]string{
			900: "keep_last", 1000: "newest_complete, keep_last, best_val_bpb"}},
		{"nothing but the always-kept", reportOf(series(5, 100)...), RetentionPolicy{}, nil, map[int]string{
			500: "newest_complete, best_val_bpb"}},
		{"every fifth save", reportOf(series(12, 100)...), RetentionPolicy{KeepLast: 1, KeepEvery: 5}, nil, map[int]string{
			500: "keep_every", 1000: "keep_every", 1200: "newest_complete, keep_last, best_val_bpb"}},
		{"every second save, interval from step numbers", reportOf(withoutSaveEvery(series(6, 250))...),
			RetentionPolicy{KeepEvery: 2}, nil, map[int]string{
				500: "keep_every", 1000: "keep_every", 1500: "newest_complete, keep_every, best_val_bpb"}},
		{"best val_bpb in the middle", reportOf(withBestAt(series(6, 100), 300)...), RetentionPolicy{KeepLast: 1}, nil,
			map[int]string{300: "best_val_bpb", 600: "newest_complete, keep_last"}},
		{"protected resume step", reportOf(series(6, 100)...), RetentionPolicy{KeepLast: 1},
			map[int]string{200: "resume_step"}, map[int]string{200: "resume_step", 600: "newest_complete, keep_last, best_val_bpb"}},
		{"torn leftovers deleted, newer incomplete kept", reportOf(
			stepSpec{step: 100, complete: true, val: 1.5}, stepSpec{step: 150},
			stepSpec{step: 200, complete: true, val: 1.4}, stepSpec{step: 300}, stepSpec{step: 400}),
			RetentionPolicy{KeepLast: 1}, nil, map[int]string{
				200: "newest_complete, keep_last, best_val_bpb", 300: "maybe_in_progress", 400: "maybe_in_progress"}},
		{"no complete step deletes nothing", reportOf(stepSpec{step: 100}, stepSpec{step: 200}),
			RetentionPolicy{KeepLast: 1}, nil, map[int]string{100: "maybe_in_progress", 200: "maybe_in_progress"}},
		{"protected incomplete step kept", reportOf(stepSpec{step: 100}, stepSpec{step: 200, complete: true}),
			RetentionPolicy{}, map[int]string{100: "resume_step"}, map[int]string{100: "resume_step", 200: "newest_complete"}},
		{"negative and huge settings", reportOf(series(4, 100)...), RetentionPolicy{KeepLast: -3, KeepEvery: 1 << 62}, nil,
			map[int]string{400: "newest_complete, best_val_bpb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := PlanPrune(tt.report, tt.policy, tt.protect)
			if got := keptSteps(plan); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("kept %v, want %v", got, tt.want)
			}
			checkPlanShape(t, tt.report, plan)
		})
	}
}

// checkPlanShape checks that a plan splits the report's steps into kept and
// deleted, both ascending, and counts the freed bytes.
func checkPlanShape(t *testing.T, r Report, plan PrunePlan) {
	t.Helper()
	var all []int
	var freed int64
	for _, k := range plan.Keep {
		all = append(all, k.Step)
	}
	for _, d := range plan.Delete {
		all = append(all, d.Step)
		freed += d.Bytes
	}
	slices.Sort(all)
	if !reflect.DeepEqual(all, stepNumbers(r.Steps)) {
		t.Errorf("kept and deleted steps %v, want each of %v once", all, stepNumbers(r.Steps))
	}
	if freed != plan.FreedBytes {
		t.Errorf("FreedBytes = %d, want %d", plan.FreedBytes, freed)
	}
	if !slices.IsSortedFunc(plan.Keep, func(a, b Kept) int { return a.Step - b.Step }) ||
		!slices.IsSortedFunc(plan.Delete, func(a, b Step) int { return a.Step - b.Step }) {
		t.Errorf("plan not ascending: %+v", plan)
	}
}

// TestPlanPruneAlwaysKeeps runs a grid of policies over a report and checks
// that the resume step, the newest complete step and the best step always
// survive, and that no incomplete step newer than the newest complete one
// is deleted.
func TestPlanPruneAlwaysKeeps(t *testing.T) {
	specs := series(30, 100)
	specs[11].val = 0.3                                               // best: step 1200
	specs[20].complete = false                                        // torn leftover: step 2100
	specs = append(specs, stepSpec{step: 3100}, stepSpec{step: 3200}) // being written
	r := reportOf(specs...)
	const resume, newest, best = 700, 3000, 1200
	for keepLast := -1; keepLast <= 4; keepLast++ {
		for keepEvery := -1; keepEvery <= 7; keepEvery++ {
			p := RetentionPolicy{KeepLast: keepLast, KeepEvery: keepEvery}
			plan := PlanPrune(r, p, map[int]string{resume: "resume_step"})
			kept := keptSteps(plan)
			for _, step := range []int{resume, newest, best, 3100, 3200} {
				if _, ok := kept[step]; !ok {
					t.Errorf("%+v: step %d deleted", p, step)
				}
			}
			if _, ok := kept[2100]; ok {
				t.Errorf("%+v: torn step 2100 kept", p)
			}
			checkPlanShape(t, r, plan)
		}
	}
}

// TestPlanPruneStable prunes, lets training add steps, and prunes again:
// what keep_every kept the first time must survive the second.
func TestPlanPruneStable(t *testing.T) {
	p := RetentionPolicy{KeepLast: 2, KeepEvery: 3}
	r := reportOf(series(20, 100)...)
	first := PlanPrune(r, p, nil)
	var survivors []stepSpec
	for _, k := range first.Keep {
		survivors = append(survivors, stepSpec{step: k.Step, complete: true, val: 2 - float64(k.Step)/10000, saveEvery: 100})
	}
	again := PlanPrune(reportOf(survivors...), p, nil)
	if len(again.Delete) != 0 {
		t.Errorf("second prune with nothing new deletes %v", stepNumbers(again.Delete))
	}
	for s := 2100; s <= 2500; s += 100 {
		survivors = append(survivors, stepSpec{step: s, complete: true, val: 2 - float64(s)/10000, saveEvery: 100})
	}
	later := keptSteps(PlanPrune(reportOf(survivors...), p, nil))
	for _, k := range first.Keep {
		if k.Reason == KeepReasonKeepEvery {
			if _, ok := later[k.Step]; !ok {
				t.Errorf("step %d kept by keep_every at the first prune, deleted later", k.Step)
			}
		}
	}
	if want := fmt.Sprint([]int{300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2500}); fmt.Sprint(sortedKeys(later)) != want {
		t.Errorf("kept after training went on: %v, want %s", sortedKeys(later), want)
	}
}

func sortedKeys(m map[int]string) []int {
	var keys []int
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
