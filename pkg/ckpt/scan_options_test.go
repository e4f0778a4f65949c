package ckpt

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

func TestScanStillBeingWritten(t *testing.T) {
	dir := writeSteps(t, 2, 100, 200)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, name := range []string{"model_000100.pt", "meta_000100.json", "optim_000100_rank0.pt", "optim_000100_rank1.pt",
		"model_000200.pt", "meta_000200.json", "optim_000200_rank0.pt"} {
		old := now.Add(-time.Hour)
		if err := os.Chtimes(filepath.Join(dir, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	recent := now.Add(-30 * time.Second)
	if err := os.Chtimes(filepath.Join(dir, "optim_000200_rank1.pt"), recent, recent); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opt        Options
		wantNewest int
		wantReason string
	}{
		{Options{Now: now, SettleTime: time.Minute}, 100,
			"still being written: optim_000200_rank1.pt modified 30s ago (settle time 1m0s)"},
		{Options{Now: now, SettleTime: 10 * time.Second}, 200, "complete"},
		{Options{}, 200, "complete"}, // no Now: nothing is unsettled
		{Options{Now: now.Add(-time.Minute), SettleTime: 10 * time.Second}, 100,
			"still being written: optim_000200_rank1.pt modified 30s in the future"},
		// No settle time: the writer is gone, and a file stamped ahead of
		// Now (its node's clock ran ahead) is judged by its content alone.
		{Options{Now: now.Add(-time.Minute)}, 200, "complete"},
	}
	for _, tt := range tests {
		r, err := Scan(os.DirFS(dir), tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := r.Step(200)
		if !strings.HasPrefix(s.Reason, tt.wantReason) {
			t.Errorf("Now %v, SettleTime %v: step 200 reason %q, want %q", tt.opt.Now, tt.opt.SettleTime, s.Reason, tt.wantReason)
		}
		if got, ok := r.NewestComplete(); !ok || got.Step != tt.wantNewest {
			t.Errorf("Now %v, SettleTime %v: newest complete %d, want %d", tt.opt.Now, tt.opt.SettleTime, got.Step, tt.wantNewest)
		}
	}
}

func TestScanRanks(t *testing.T) {
	dir := writeSteps(t, 4, 100, 200)
	if err := ckpttest.WriteStepSpec(dir, ckpttest.StepSpec{Step: 300, Ranks: 2, ValBPB: 1}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ranks        int
		wantRanks    int
		wantComplete []int
		wantNotes    []string
	}{
		{0, 4, []int{100, 200}, nil},
		{4, 4, []int{100, 200}, nil},
		{2, 2, []int{100, 200, 300}, []string{
			"complete steps 100, 200 have up to 4 optimizer shards, more than ranks 2: each resumes only with as many ranks as it has shards"}},
		{8, 8, nil, []string{"no step has 8 optimizer shards; the files suggest 4 ranks"}},
	}
	for _, tt := range tests {
		r, err := Scan(os.DirFS(dir), Options{Ranks: tt.ranks})
		if err != nil {
			t.Fatal(err)
		}
		if r.Ranks != tt.wantRanks || !reflect.DeepEqual(r.CompleteSteps(), tt.wantComplete) || !reflect.DeepEqual(r.Notes, tt.wantNotes) {
			t.Errorf("Ranks %d: got ranks %d, complete %v, notes %q; want %d, %v, %q",
				tt.ranks, r.Ranks, r.CompleteSteps(), r.Notes, tt.wantRanks, tt.wantComplete, tt.wantNotes)
		}
	}
	s, _ := mustScan(t, dir, Options{}).Step(300)
	if want := "missing optim_000300_rank2.pt, optim_000300_rank3.pt"; s.Reason != want {
		t.Errorf("step 300 with inferred ranks: %q, want %q", s.Reason, want)
	}
	for _, ranks := range []int{-1, MaxRank + 1} {
		if _, err := Scan(os.DirFS(dir), Options{Ranks: ranks}); err == nil {
			t.Errorf("Scan with Ranks %d succeeded, want an error", ranks)
		}
	}
}

func mustScan(t *testing.T, dir string, opt Options) Report {
	t.Helper()
	r, err := ScanDir(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
