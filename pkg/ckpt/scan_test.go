package ckpt

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

const fixtureDir = "testdata/nanochat-ckpt"

// TestScanFixtures checks the verdicts on checkpoints written by the real
// torch.save against the fixture's MANIFEST.json.
func TestScanFixtures(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		NewestCompleteStep int               `json:"newest_complete_step"`
		Ranks              int               `json:"ranks"`
		Steps              map[string]string `json:"steps"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	// The reason each manifest state must produce.
	reasons := map[string]string{
		"complete":            "complete",
		"model truncated":     "model_%s.pt: torn zip: truncated",
		"meta missing":        "missing meta_%s.json",
		"optim rank1 missing": "missing optim_%s_rank1.pt",
	}
	for _, opt := range []Options{{}, {Ranks: manifest.Ranks}} {
		r, err := ScanDir(fixtureDir, opt)
		if err != nil {
			t.Fatal(err)
		}
		if r.Ranks != manifest.Ranks || r.RanksInferred != (opt.Ranks == 0) || len(r.Notes) != 0 {
			t.Errorf("Ranks %d: report ranks %d (inferred %v), notes %q; want %d, %v, none",
				opt.Ranks, r.Ranks, r.RanksInferred, r.Notes, manifest.Ranks, opt.Ranks == 0)
		}
		if got, want := len(r.Steps), len(manifest.Steps); got != want {
			t.Fatalf("Scan found %d steps, manifest lists %d", got, want)
		}
		for _, s := range r.Steps {
			state := manifest.Steps[strconv.Itoa(s.Step)]
			pattern, ok := reasons[state]
			if !ok {
				t.Fatalf("step %d: manifest state %q has no expected reason", s.Step, state)
			}
			want := strings.ReplaceAll(pattern, "%s", fmt.Sprintf("%06d", s.Step))
			if s.Complete != (state == "complete") || !strings.HasPrefix(s.Reason, want) {
				t.Errorf("step %d (%s): Complete %v, Reason %q; want %v, %q", s.Step, state, s.Complete, s.Reason, state == "complete", want)
			}
		}
		got, ok := r.NewestComplete()
		if !ok || got.Step != manifest.NewestCompleteStep {
			t.Errorf("Report.NewestComplete = %d, %v; want %d", got.Step, ok, manifest.NewestCompleteStep)
		}
		s, ok, err := newestComplete(os.DirFS(fixtureDir), opt)
		if err != nil || !ok || s.Step != manifest.NewestCompleteStep {
			t.Errorf("NewestComplete = %d, %v, %v; want %d", s.Step, ok, err, manifest.NewestCompleteStep)
		}
		if !reflect.DeepEqual(s, got) {
			t.Errorf("NewestComplete and Scan disagree on step %d:\n%+v\n%+v", s.Step, s, got)
		}
		if got, want := r.CompleteSteps(), []int{500, 1000}; !reflect.DeepEqual(got, want) {
			t.Errorf("CompleteSteps = %v, want %v", got, want)
		}
	}
}

// writeSteps writes complete steps with ranks shards into a new directory.
func writeSteps(t testing.TB, ranks int, steps ...int) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range steps {
		spec := ckpttest.StepSpec{Step: s, Ranks: ranks, ValBPB: 2 - float64(s)/1000, SaveEvery: 100}
		if err := ckpttest.WriteStepSpec(dir, spec); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func truncateTo(t *testing.T, path string, size func(int64) int64) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size(info.Size())); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// TestScanGenerated damages step 300 of a tree of three complete steps
// with four ranks, one way per case.
func TestScanGenerated(t *testing.T) {
	tests := []struct {
		name       string
		damage     func(t *testing.T, dir string)
		ranks      int
		wantNewest int
		wantReason string // of step 300
	}{
		{"undamaged", func(*testing.T, string) {}, 0, 300, "complete"},
		{"torn model", func(t *testing.T, dir string) {
			truncateTo(t, filepath.Join(dir, "model_000300.pt"), func(n int64) int64 { return n / 2 })
		}, 0, 200, "model_000300.pt: torn zip: truncated: no end-of-central-directory record"},
		{"torn optimizer shard, central directory cut", func(t *testing.T, dir string) {
			truncateTo(t, filepath.Join(dir, "optim_000300_rank1.pt"), func(n int64) int64 { return n - 40 })
		}, 0, 200, "optim_000300_rank1.pt: torn zip: truncated: no end-of-central-directory record"},
		{"zero-byte shard", func(t *testing.T, dir string) {
			truncateTo(t, filepath.Join(dir, "optim_000300_rank2.pt"), func(int64) int64 { return 0 })
		}, 0, 200, "optim_000300_rank2.pt is empty (0 bytes)"},
		{"missing shards", func(t *testing.T, dir string) {
			remove(t, filepath.Join(dir, "optim_000300_rank1.pt"))
			remove(t, filepath.Join(dir, "optim_000300_rank3.pt"))
		}, 0, 200, "missing optim_000300_rank1.pt, optim_000300_rank3.pt"},
		{"missing model", func(t *testing.T, dir string) {
			remove(t, filepath.Join(dir, "model_000300.pt"))
		}, 0, 200, "missing model_000300.pt"},
		{"meta cut mid-write", func(t *testing.T, dir string) {
			truncateTo(t, filepath.Join(dir, "meta_000300.json"), func(n int64) int64 { return n / 2 })
		}, 0, 200, "meta_000300.json: unparsable: not valid JSON: unexpected EOF"},
		{"meta step disagrees with its name", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "meta_000300.json"), `{"step": 200, "val_bpb": 0.9}`)
		}, 0, 200, "meta_000300.json says step 200"},
		{"meta with Infinity and NaN", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "meta_000300.json"),
				`{"step": 300, "val_bpb": NaN, "loop_state": {"min_val_bpb": Infinity, "x": -Infinity}}`)
		}, 0, 300, "complete; val_bpb is NaN"},
		{"garbage that starts like a zip", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "model_000300.pt"), "PK\x03\x04"+strings.Repeat("garbage", 100))
		}, 0, 200, "model_000300.pt: torn zip: truncated: no end-of-central-directory record"},
		{"temporary and foreign files", func(t *testing.T, dir string) {
			for _, name := range []string{"model_000400.pt.tmp", "meta_000400.json.tmp", "optim_000400_rank0.pt.tmp",
				".nfs0000000000abcdef00000001", "model_400.pt", "notes.txt"} {
				writeFile(t, filepath.Join(dir, name), "partial")
			}
			if err := os.Mkdir(filepath.Join(dir, "model_000500.pt"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, 0, 300, "complete"},
		{"extra shard beyond ranks", func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, "optim_000300_rank0.pt"))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "optim_000300_rank4.pt"), string(data))
		}, 4, 300, "complete; optimizer shards beyond ranks 4: optim_000300_rank4.pt (the files suggest 5 ranks)"},
		{"symlinked model", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "model_000300.pt")
			if err := os.Rename(path, path+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("model_000300.pt.real", path); err != nil {
				t.Fatal(err)
			}
		}, 0, 300, "complete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSteps(t, 4, 100, 200, 300)
			tt.damage(t, dir)
			r, err := ScanDir(dir, Options{Ranks: tt.ranks})
			if err != nil {
				t.Fatal(err)
			}
			s, ok := r.Step(300)
			if !ok || s.Reason != tt.wantReason || s.Complete != strings.HasPrefix(tt.wantReason, "complete") {
				t.Errorf("step 300: %v, %v, %q; want reason %q", ok, s.Complete, s.Reason, tt.wantReason)
			}
			if got := r.CompleteSteps(); len(got) < 2 || got[0] != 100 || got[1] != 200 {
				t.Errorf("CompleteSteps = %v, want 100 and 200 among them", got)
			}
			if len(r.Steps) != 3 {
				t.Errorf("Scan found steps %v, want 100, 200, 300", stepNumbers(r.Steps))
			}
			newest, ok, err := newestComplete(os.DirFS(dir), Options{Ranks: tt.ranks})
			if err != nil || !ok || newest.Step != tt.wantNewest {
				t.Errorf("NewestComplete = %d, %v, %v; want %d", newest.Step, ok, err, tt.wantNewest)
			}
		})
	}
}

func stepNumbers(steps []Step) []int {
	var n []int
	for _, s := range steps {
		n = append(n, s.Step)
	}
	return n
}

func TestScanStepFields(t *testing.T) {
	dir := writeSteps(t, 2, 100)
	s, ok := mustScan(t, dir, Options{}).Step(100)
	if !ok || !s.Complete {
		t.Fatalf("step 100: %+v", s)
	}
	var total int64
	var names []string
	for _, f := range s.Files {
		total += f.Size
		names = append(names, f.Name+"/"+f.Kind+"/"+strconv.Itoa(f.Rank))
	}
	want := []string{"model_000100.pt/model/-1", "meta_000100.json/meta/-1", "optim_000100_rank0.pt/optim/0", "optim_000100_rank1.pt/optim/1"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Files = %v, want %v", names, want)
	}
	if s.Bytes != total || total == 0 {
		t.Errorf("Bytes = %d, want the files' total %d", s.Bytes, total)
	}
	if s.ValBPB == nil || *s.ValBPB != 1.9 || s.SaveEvery != 100 || s.ModTime.IsZero() {
		t.Errorf("ValBPB %v, SaveEvery %d, ModTime %v; want 1.9, 100, set", s.ValBPB, s.SaveEvery, s.ModTime)
	}
}

func TestScanMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	if _, err := ScanDir(dir, Options{}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("ScanDir(missing) error = %v, want one naming %s", err, dir)
	}
	if _, _, err := newestComplete(os.DirFS(dir), Options{}); err == nil {
		t.Error("Scan(missing, Newest: 1) succeeded, want an error")
	}
}

func TestScanEmptyDirectory(t *testing.T) {
	r := mustScan(t, t.TempDir(), Options{})
	if len(r.Steps) != 0 || r.Ranks != 1 {
		t.Errorf("empty directory: %d steps, ranks %d; want 0, 1", len(r.Steps), r.Ranks)
	}
	if _, ok := r.NewestComplete(); ok {
		t.Error("empty directory has a newest complete step")
	}
}

// TestReportEncodesAsJSON covers a NaN val_bpb, which encoding/json cannot
// encode: it must stay out of the report.
func TestReportEncodesAsJSON(t *testing.T) {
	dir := writeSteps(t, 1, 100)
	writeFile(t, filepath.Join(dir, "meta_000100.json"), `{"step": 100, "val_bpb": NaN}`)
	r := mustScan(t, dir, Options{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal(report) = %v", err)
	}
	if !strings.Contains(string(b), `"reason":"complete; val_bpb is NaN"`) || !strings.Contains(string(b), `"val_bpb":null`) {
		t.Errorf("report JSON %s lacks the NaN note or a null val_bpb", b)
	}
}
