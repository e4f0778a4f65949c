package simtrain

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("err = %v, want an *ExitError", err)
	}
	return exit.Code
}

func lastLine(s string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return ls[len(ls)-1]
}

func TestExitingFaults(t *testing.T) {
	tests := []struct {
		name     string
		set      func(*Faults)
		wantCode int
		wantExc  string // last traceback line, prefix
		wantStep int    // last step line printed before dying
		wantSave []int  // steps whose meta exists afterwards
	}{
		{"crash", func(f *Faults) { f.CrashAtStep, f.CrashCode = 12, 7 }, 7,
			"RuntimeError: simulated crash at step 12", 11, []int{10}},
		{"crash at a save step keeps that checkpoint", func(f *Faults) { f.CrashAtStep = 20 }, 1,
			"RuntimeError: simulated crash at step 20", 19, []int{10, 20}},
		{"cuda oom", func(f *Faults) { f.CUDAOOMAtStep = 5 }, 1,
			"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate", 4, nil},
		{"disk quota at the next save", func(f *Faults) { f.DiskQuotaAtStep = 11 }, 1,
			"OSError: [Errno 122] Disk quota exceeded", 19, []int{10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			tt.set(&cfg.Faults)
			res := runSim(t, context.Background(), cfg)
			if got := exitCode(t, res.err); got != tt.wantCode {
				t.Errorf("exit code = %d, want %d", got, tt.wantCode)
			}
			if len(grep(res.stderr, reTraceback)) != 1 {
				t.Errorf("stderr does not start with a Python traceback:\n%s", res.stderr)
			}
			if got := lastLine(res.stderr); !strings.HasPrefix(got, tt.wantExc) {
				t.Errorf("exception line = %q, want prefix %q", got, tt.wantExc)
			}
			if got := steps(grep(res.stdout, reStep)); len(got) == 0 || got[len(got)-1] != tt.wantStep {
				t.Errorf("last step line = %v, want %d", got, tt.wantStep)
			}
			if got := grep(res.stdout, reTotal); len(got) != 0 {
				t.Error("a dead run printed the end-of-run lines")
			}
			var saved []int
			for _, s := range []int{10, 20, 30} {
				if _, err := os.Stat(filepath.Join(cfg.CheckpointDir, metaName(s))); err == nil {
					saved = append(saved, s)
				}
			}
			if !slices.Equal(saved, tt.wantSave) {
				t.Errorf("metas for steps %v, want %v", saved, tt.wantSave)
			}
		})
	}
}

func TestDiskQuotaLeavesATornModel(t *testing.T) {
	cfg := testConfig(t)
	cfg.Faults.DiskQuotaAtStep = 20
	res := runSim(t, context.Background(), cfg)
	if exitCode(t, res.err) != 1 {
		t.Fatalf("err = %v", res.err)
	}
	if _, err := zip.OpenReader(filepath.Join(cfg.CheckpointDir, modelName(20))); err == nil {
		t.Error("model_000020.pt is a valid zip after the quota ran out mid-save")
	}
}

func TestCrashOnceFile(t *testing.T) {
	cfg := testConfig(t)
	marker := filepath.Join(t.TempDir(), "crashed")
	cfg.Faults.CrashAtStep, cfg.Faults.CrashCode, cfg.Faults.CrashOnceFile = 15, 3, marker

	first := runSim(t, context.Background(), cfg)
	if got := exitCode(t, first.err); got != 3 {
		t.Fatalf("first job exit = %d, want 3", got)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("marker not created: %v", err)
	}
	cfg.ResumeFromStep = 10 // what the supervisor resubmits
	second := runSim(t, context.Background(), cfg)
	if second.err != nil {
		t.Fatalf("second job: %v\n%s", second.err, second.stderr)
	}
	if got := grep(second.stdout, reMinBPB); len(got) != 1 {
		t.Errorf("second job did not finish: %q", second.stdout)
	}
}

// hangRun runs cfg until ctx gives up and returns what it left.
func hangRun(t *testing.T, cfg Config) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := runSim(t, ctx, cfg)
	if !errors.Is(res.err, ErrHung) || !errors.Is(res.err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrHung cut short by the deadline", res.err)
	}
	return res
}

func TestHangInSaveLeavesATruncatedModel(t *testing.T) {
	cfg := testConfig(t)
	cfg.Ranks = 2
	cfg.Faults.HangInSaveAtStep = 20
	res := hangRun(t, cfg)

	path := filepath.Join(cfg.CheckpointDir, modelName(20))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no torn model file: %v", err)
	}
	full, _ := TorchArchive(modelName(20), cfg.ModelBytes)
	if got, want := fi.Size(), int64(len(full)/2); got != want {
		t.Errorf("torn model size = %d, want half of %d", got, len(full))
	}
	if _, err := zip.OpenReader(path); err == nil {
		t.Error("torn model_000020.pt reads as a valid zip")
	}
	for _, name := range []string{metaName(20), optimName(20, 0)} {
		if _, err := os.Stat(filepath.Join(cfg.CheckpointDir, name)); err == nil {
			t.Errorf("%s exists, but rank 0 writes it only after the model", name)
		}
	}
	if got := steps(grep(res.stdout, reStep)); got[len(got)-1] != 19 {
		t.Errorf("last step line %d, want 19", got[len(got)-1])
	}
}

func TestHangAtStepStopsPrinting(t *testing.T) {
	cfg := testConfig(t)
	cfg.Faults.HangAtStep = 7
	res := hangRun(t, cfg)
	if got := steps(grep(res.stdout, reStep)); got[len(got)-1] != 6 {
		t.Errorf("last step line %d, want 6", got[len(got)-1])
	}
}

func TestHangOnceFile(t *testing.T) {
	cfg := testConfig(t)
	cfg.Faults.HangInSaveAtStep = 20
	cfg.Faults.HangOnceFile = filepath.Join(t.TempDir(), "hung")
	hangRun(t, cfg)
	if _, err := os.Stat(cfg.Faults.HangOnceFile); err != nil {
		t.Fatalf("hang marker not created before hanging: %v", err)
	}
	cfg.ResumeFromStep = 10
	res := runSim(t, context.Background(), cfg)
	if res.err != nil {
		t.Fatalf("resubmitted job: %v", res.err)
	}
	if _, err := zip.OpenReader(filepath.Join(cfg.CheckpointDir, modelName(20))); err != nil {
		t.Errorf("resubmitted job did not rewrite the torn step: %v", err)
	}
}

func TestResumeFromBrokenCheckpointCrashes(t *testing.T) {
	tornReal, err := os.ReadFile("testdata/model_001500.pt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		breakIt func(dir string) error
		wantExc string
	}{
		{"torn model", func(dir string) error {
			return os.Truncate(filepath.Join(dir, modelName(20)), 1000)
		}, "RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory"},
		{"model torn by a real kill", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, modelName(20)), tornReal, 0o644)
		}, "RuntimeError: PytorchStreamReader failed reading zip archive"},
		{"missing model", func(dir string) error {
			return os.Remove(filepath.Join(dir, modelName(20)))
		}, "FileNotFoundError: [Errno 2] No such file or directory: "},
		{"missing rank 1 shard", func(dir string) error {
			return os.Remove(filepath.Join(dir, optimName(20, 1)))
		}, "FileNotFoundError: [Errno 2] No such file or directory: "},
		{"missing meta", func(dir string) error {
			return os.Remove(filepath.Join(dir, metaName(20)))
		}, "FileNotFoundError: [Errno 2] No such file or directory: "},
		{"torn meta", func(dir string) error {
			return os.Truncate(filepath.Join(dir, metaName(20)), 40)
		}, "json.decoder.JSONDecodeError: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Ranks = 2
			if res := runSim(t, context.Background(), cfg); res.err != nil {
				t.Fatal(res.err)
			}
			if err := tt.breakIt(cfg.CheckpointDir); err != nil {
				t.Fatal(err)
			}
			cfg.ResumeFromStep = 20
			res := runSim(t, context.Background(), cfg)
			if got := exitCode(t, res.err); got != 1 {
				t.Errorf("exit code = %d, want 1", got)
			}
			if len(grep(res.stdout, reResume)) != 1 {
				t.Error("the resume line must come before the crash, as in nanochat")
			}
			if len(grep(res.stderr, reTraceback)) != 1 {
				t.Errorf("stderr = %q, want a traceback", res.stderr)
			}
			if got := lastLine(res.stderr); !strings.HasPrefix(got, tt.wantExc) {
				t.Errorf("exception = %q, want prefix %q", got, tt.wantExc)
			}
			if len(grep(res.stdout, reStep)) != 0 {
				t.Error("a run that failed to load trained anyway")
			}
		})
	}
}
