package ckpt

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDeletionOrder(t *testing.T) {
	s := Step{Step: 100, Files: []File{
		{Name: "meta_000100.json"}, {Name: "optim_000100_rank10.pt"}, {Name: "optim_000100_rank2.pt"}, {Name: "model_000100.pt"},
	}}
	files, err := deletionOrder(s)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name)
	}
	want := []string{"model_000100.pt", "optim_000100_rank2.pt", "optim_000100_rank10.pt", "meta_000100.json"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deletion order %v, want %v", got, want)
	}
}

func TestDeleteStep(t *testing.T) {
	dir := writeSteps(t, 2, 100, 200)
	r := mustScan(t, dir, Options{})
	s, _ := r.Step(100)
	if err := DeleteStep(dir, s); err != nil {
		t.Fatal(err)
	}
	after := mustScan(t, dir, Options{})
	if got, want := stepNumbers(after.Steps), []int{200}; !reflect.DeepEqual(got, want) {
		t.Errorf("steps after deleting 100: %v, want %v", got, want)
	}
	// Deleting again finds nothing to do: an interrupted prune can rerun.
	if err := DeleteStep(dir, s); err != nil {
		t.Errorf("second DeleteStep = %v, want nil", err)
	}
}

// TestInterruptedPrune stops DeleteStep's sequence after each deletion and
// checks that the step is never reported complete in between.
func TestInterruptedPrune(t *testing.T) {
	dir := writeSteps(t, 3, 100, 200)
	s, _ := mustScan(t, dir, Options{}).Step(200)
	files, err := deletionOrder(s)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files[:len(files)-1] {
		remove(t, filepath.Join(dir, f.Name))
		r := mustScan(t, dir, Options{})
		got, ok := r.Step(200)
		if !ok || got.Complete {
			t.Fatalf("after deleting %d of %d files (up to %s): step 200 found %v, complete %v",
				i+1, len(files), f.Name, ok, got.Complete)
		}
		if !strings.Contains(got.Reason, "missing model_000200.pt") {
			t.Errorf("after deleting %s: reason %q, want it to name the missing model", f.Name, got.Reason)
		}
		if newest, _ := r.NewestComplete(); newest.Step != 100 {
			t.Errorf("after deleting %s: newest complete %d, want 100", f.Name, newest.Step)
		}
	}
	// Rerunning the prune finishes the job.
	if err := DeleteStep(dir, s); err != nil {
		t.Fatal(err)
	}
	if _, ok := mustScan(t, dir, Options{}).Step(200); ok {
		t.Error("step 200 still present after the rerun")
	}
}

func TestDeleteStepRefusesForeignNames(t *testing.T) {
	dir := writeSteps(t, 1, 100, 200)
	victim := filepath.Join(dir, "notes.txt")
	writeFile(t, victim, "keep me")
	for _, name := range []string{"notes.txt", "../notes.txt", "model_000200.pt", "model_000100.pt.tmp"} {
		s := Step{Step: 100, Files: []File{{Name: "model_000100.pt"}, {Name: name}}}
		err := DeleteStep(dir, s)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("DeleteStep with %q = %v, want an error naming it", name, err)
		}
	}
	if got := mustScan(t, dir, Options{}).CompleteSteps(); !reflect.DeepEqual(got, []int{100, 200}) {
		t.Errorf("complete steps after refused deletions: %v, want [100 200]", got)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("notes.txt: %v", err)
	}
}

func TestDeleteStepNamesTheFile(t *testing.T) {
	dir := writeSteps(t, 2, 100)
	// A non-empty directory under a shard's name cannot be removed.
	shard := filepath.Join(dir, "optim_000100_rank1.pt")
	remove(t, shard)
	if err := os.Mkdir(shard, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(shard, "x"), "x")
	s := Step{Step: 100, Files: []File{{Name: "model_000100.pt"}, {Name: "meta_000100.json"}, {Name: "optim_000100_rank1.pt"}}}
	err := DeleteStep(dir, s)
	if err == nil || !strings.Contains(err.Error(), "optim_000100_rank1.pt") || !strings.Contains(err.Error(), "step 100") {
		t.Fatalf("DeleteStep = %v, want an error naming step 100 and optim_000100_rank1.pt", err)
	}
	// The model went first; the meta, due last, is still there.
	if _, err := os.Stat(filepath.Join(dir, "model_000100.pt")); !os.IsNotExist(err) {
		t.Errorf("model still present: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "meta_000100.json")); err != nil {
		t.Errorf("meta deleted before the failing shard: %v", err)
	}
}
