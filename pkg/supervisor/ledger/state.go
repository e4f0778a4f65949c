package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
)

// SaveState replaces state.json with v as indented JSON: temp file in the
// same directory, fsync, rename, directory fsync, mode 0600. If anything
// fails, including marshalling v, the previous state.json is left intact.
func (l *Ledger) SaveState(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("ledger: save state: %w", err)
	}
	data = append(data, '\n')
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	l.mu.Lock()
	closed := l.f == nil
	l.mu.Unlock()
	if closed {
		return fmt.Errorf("ledger: save state: %w", ErrClosed)
	}
	return writeAtomic(filepath.Join(l.dir, StateFile), data)
}

// writeAtomic replaces path with data so that a crash at any instant leaves
// the old or the new content. renameio does temp file, fsync and rename,
// with the temp file forced into the destination directory (its default,
// os.TempDir, may be another filesystem) and the mode fixed at 0600
// whatever the umask or the old file's mode; the directory fsync that makes
// the rename itself durable is ours, because renameio leaves it out.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	t, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(fileMode))
	if err != nil {
		return fmt.Errorf("ledger: write %s: %w", path, err)
	}
	defer t.Cleanup()
	if _, err := t.Write(data); err != nil {
		return fmt.Errorf("ledger: write %s: %w", path, err)
	}
	if err := t.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("ledger: replace %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("ledger: replace %s: %w", path, err)
	}
	return nil
}

// syncDir fsyncs a directory so that renames and creations in it survive a
// crash. Filesystems that cannot fsync a directory (EINVAL) give whatever
// durability they have; there is nothing more a program can do there.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// LoadState decodes state.json in dir into v. A missing file is not an
// error (found is false); an empty or corrupt one is, naming the file and,
// for JSON errors, the line.
func LoadState(dir string, v any) (found bool, err error) {
	path := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return false, fmt.Errorf("ledger: %s: empty state file", path)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("ledger: %s:%d: %w", path, jsonErrorLine(data, err), err)
	}
	return true, nil
}

// jsonErrorLine is the 1-based line of a JSON decoding error, or 1 when the
// error carries no offset.
func jsonErrorLine(data []byte, err error) int {
	var offset int64
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}

// staleTempAge is how old a leftover temp file must be before Open removes
// it: far older than any SaveState in progress.
const staleTempAge = 10 * time.Minute

// removeStaleTemps removes temp files that a crash during SaveState left
// behind (renameio names them "." + name + digits). Failure to remove is
// harmless clutter, so it is ignored.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + StateFile
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
