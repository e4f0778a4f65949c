package ckpt

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	for name, size := range map[string]int{"model_000100.pt": 1000, "meta_000100.json": 20, "optim_000100_rank0.pt": 300, "notes.txt": 5000} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := UsedBytes(dir); got != 1320 {
		t.Errorf("UsedBytes = %d, want 1320 (the checkpoint files, not notes.txt)", got)
	}
	if got := UsedBytes(filepath.Join(dir, "nope")); got != 0 {
		t.Errorf("UsedBytes(missing) = %d, want 0", got)
	}
	if got := FreeBytes(dir); got <= 0 {
		t.Errorf("FreeBytes = %d, want the space left on the temp filesystem", got)
	}
	if got := FreeBytes(filepath.Join(dir, "nope")); got != -1 {
		t.Errorf("FreeBytes(missing) = %d, want -1", got)
	}
}
