package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleAge is how old a temporary file must be before RemoveStale takes it
// for one a crash left behind: far older than any write in progress.
const staleAge = 10 * time.Minute

// IsTemp reports whether name is a temporary file of WriteFile for the file
// named base: renameio names them "." + base + digits.
func IsTemp(name, base string) bool {
	rest, ok := strings.CutPrefix(name, "."+base)
	return ok && rest != "" && strings.Trim(rest, "0123456789") == ""
}

// RemoveStale removes the regular files in dir that isTemp accepts and
// that are older than ten minutes: temporary files a crash left behind.
// File times are real times, so this uses the real clock. Failing to
// remove one is harmless clutter and is ignored.
func RemoveStale(dir string, isTemp func(name string) bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !isTemp(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
