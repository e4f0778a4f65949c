package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nanosupervisord/nanosupervisord/internal/atomicfile"
)

// SaveState replaces state.json with v as indented JSON (see the package
// doc); if anything fails, even marshalling v, the old state.json stays.
func (l *Ledger) SaveState(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("ledger: save state: %w", err)
	}
	data = append(data, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("ledger: save state: %w", ErrClosed)
	}
	if err := atomicfile.WriteFile(filepath.Join(l.dir, StateFile), data, fileMode); err != nil {
		return fmt.Errorf("ledger: %w", err)
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
