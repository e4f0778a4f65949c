package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.err from the current output")

// fakeEnv is the environment the fixtures are parsed with: a home directory,
// a scratch directory, nothing else.
func fakeEnv(k string) string {
	return map[string]string{"HOME": "/home/user", "SCRATCH": "/scratch/user"}[k]
}

// TestBadConfigs parses every testdata/bad_*.yaml and compares the complete
// error text with bad_*.err, so each message, position and key path is
// pinned. Run with -update after a deliberate change and review the diff.
func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad_*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/bad_*.yaml fixtures")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseWithEnv(data, file, fakeEnv)
			if err == nil {
				t.Fatalf("ParseWithEnv(%s) = %+v, want an error", file, c)
			}
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) == 0 {
				t.Fatalf("error %v (%T), want *Error with problems", err, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}
