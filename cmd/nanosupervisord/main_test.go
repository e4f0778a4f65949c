package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nanosupervisord/nanosupervisord/internal/fakeslurm"
)

// TestMain turns the test binary into the programs the scripts run: the
// daemon itself and the fake Slurm under each of its names. testscript
// puts copies of the binary on PATH under these names, so the daemon finds
// the fake sbatch, sacct and squeue exactly as it would find the real
// ones. The fixture commands of scriptcmds_test.go run in-process.
func TestMain(m *testing.M) {
	commands := map[string]func(){
		"nanosupervisord": func() {
			os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	}
	for _, name := range []string{"sbatch", "sacct", "squeue", "scancel", fakeslurm.ControlProgram} {
		commands[name] = func() {
			os.Exit(fakeslurm.Main(name, os.Args[1:], os.Stdout, os.Stderr))
		}
	}
	testscript.Main(m, commands)
}

// TestScripts runs testdata/script/*.txtar. Each script gets its own fake
// cluster, home, configuration and state directories inside $WORK; the
// configuration is $WORK/config.yaml (through NSV_CONFIG) unless a script
// says otherwise.
func TestScripts(t *testing.T) {
	fixtures, err := filepath.Abs(filepath.Join("testdata", "nanochat-ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := filepath.Abs(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:  filepath.Join("testdata", "script"),
		Cmds: scriptBuiltins(),
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			env.Setenv("HOME", home)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			env.Setenv("STATE", filepath.Join(env.WorkDir, ".state", "nanosupervisord"))
			env.Setenv("NSV_CONFIG", filepath.Join(env.WorkDir, "config.yaml"))
			env.Setenv(fakeslurm.EnvDir, filepath.Join(env.WorkDir, ".slurm"))
			env.Setenv("FIXTURES", fixtures)
			env.Setenv("EXAMPLE_CONFIG", example)
			// The fake prints local times and the daemon parses them as
			// local: one zone for both, whatever the machine's.
			env.Setenv("TZ", "UTC")
			// Every command is this test binary; under -race it would
			// sleep a second at each exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			return nil
		},
	})
}
