//go:build testscript

// The testscript scripts in testdata/script need golang.org/x/tools (for
// txtar, through go-internal) in go.sum; run them with
// go test -tags testscript ./cmd/nsv-fakeslurm/ once it is there.

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nanosupervisord/nanosupervisord/internal/fakeslurm"
)

// TestMain registers the fake under every name it answers to, the way a
// CLI test of the daemon puts it on PATH.
func TestMain(m *testing.M) {
	commands := map[string]func(){}
	for _, name := range []string{"sbatch", "sacct", "squeue", "scancel", fakeslurm.ControlProgram} {
		commands[name] = func() {
			os.Exit(fakeslurm.Main(name, os.Args[1:], os.Stdout, os.Stderr))
		}
	}
	testscript.Main(m, commands)
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv(fakeslurm.EnvDir, filepath.Join(env.WorkDir, ".slurm"))
			env.Setenv(fakeslurm.EnvUID, "1000")
			env.Setenv("TZ", "UTC")
			// The commands are this test binary; under -race it would
			// sleep 1 s at every exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			return nil
		},
	})
}
