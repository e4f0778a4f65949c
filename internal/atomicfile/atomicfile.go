// Package atomicfile replaces files so that a crash at any instant leaves
// either the old content or the new, never a mix, and makes the change
// durable. The daemon's state, lease and requests live on home directories
// that are often network filesystems shared by several login nodes.
//
// It also writes the temporary files that callers link into place
// themselves (WriteSynced), and clears those a crash left (RemoveStale).
//
// It must never write in place, and never leave the temporary file in
// another directory (os.TempDir may be another filesystem, where rename
// cannot be atomic).
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/renameio/v2"
)

// WriteFile replaces path with data: a temporary file in the same
// directory, fsync, rename over path, then an fsync of the directory so
// the rename itself survives a crash (renameio leaves that out). The mode
// is exactly perm, whatever the umask or the old file's mode.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	t, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(perm))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer t.Cleanup()
	if _, err := t.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := t.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return SyncDir(dir)
}

// WriteSynced writes data to f, a file the caller has just created under a
// temporary name, then fsyncs and closes it, so that a rename or link can
// put it in place. On failure the file is removed: nothing half-written is
// left under a name a later step would trust.
func WriteSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err := errors.Join(err, f.Close()); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return nil
}

// SyncDir fsyncs a directory, making renames and removals in it durable.
// Filesystems that cannot sync a directory (EINVAL, unsupported) are
// accepted: there is nothing more to be done on them.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
