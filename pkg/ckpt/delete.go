package ckpt

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
)

// DeleteStep deletes the files of step s from dir: the model first, then
// the optimizer shards, the meta file last. Deleting the model makes the
// step incomplete at once, so a prune interrupted at any point never
// leaves a step that looks complete; the directory is synced after the
// model is gone, so that holds across a crash too, and again at the end.
// Files already gone are skipped, so an interrupted prune can be rerun.
//
// Only files whose names are nanochat's names for step s are deleted; a
// Step carrying any other name is refused before anything is deleted.
func DeleteStep(dir string, s Step) error {
	files, err := deletionOrder(s)
	if err != nil {
		return err
	}
	for i, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete step %d: %w", s.Step, err)
		}
		if i == 0 && f.Kind == KindModel {
			if err := atomicfile.SyncDir(dir); err != nil {
				return fmt.Errorf("delete step %d: %w", s.Step, err)
			}
		}
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return fmt.Errorf("delete step %d: %w", s.Step, err)
	}
	return nil
}

// deletionOrder checks the names of s's files and orders them model,
// shards by rank, meta.
func deletionOrder(s Step) ([]File, error) {
	files := make([]File, 0, len(s.Files))
	for _, f := range s.Files {
		n, ok := ParseName(f.Name)
		if !ok || n.Step != s.Step {
			return nil, fmt.Errorf("delete step %d: %q is not a checkpoint file of that step", s.Step, f.Name)
		}
		files = append(files, File{Name: f.Name, Kind: n.Kind, Rank: n.Rank})
	}
	order := map[string]int{KindModel: 0, KindOptim: 1, KindMeta: 2}
	slices.SortStableFunc(files, func(a, b File) int { return cmp.Or(order[a.Kind]-order[b.Kind], a.Rank-b.Rank) })
	return files, nil
}
