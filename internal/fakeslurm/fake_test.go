package fakeslurm

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as the fake's programs, so tests can
// run it as separate processes (real cross-process flock contention).
// It also acts as the program it is symlinked as (sacct, sbatch, ...), so
// pkg/slurm's ExecRunner can run it like the real programs.
func TestMain(m *testing.M) {
	if prog := os.Getenv("FAKESLURM_TEST_PROG"); prog != "" {
		os.Exit(Main(prog, os.Args[1:], os.Stdout, os.Stderr))
	}
	if prog := filepath.Base(os.Args[0]); slurmPrograms[prog] || prog == ControlProgram {
		os.Exit(Main(prog, os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// t0 is the pinned "now" of most tests. It is built in the local zone so
// that the literal times in expected output hold in any zone.
var t0 = time.Date(2026, 11, 28, 17, 45, 26, 0, time.Local)

// fake is a clean fake cluster in a temporary directory, with the test's
// working directory set to a temporary work dir.
type fake struct {
	t    *testing.T
	dir  string
	work string
}

// allEnv are every variable the fake reads; newFake clears them so the
// developer's environment cannot leak into tests.
var allEnv = []string{EnvDir, EnvFirstID, EnvRecordEnv, EnvMinJobAge, EnvExec, EnvKillWait,
	EnvSacctLag, EnvNow, EnvUID, EnvPartitions, EnvAccounts, EnvClusters, EnvCluster}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{t: t, dir: filepath.Join(t.TempDir(), "slurm"), work: t.TempDir()}
	for _, name := range allEnv {
		t.Setenv(name, "")
	}
	t.Setenv(EnvDir, f.dir)
	// The test binary also runs as the fake's programs; with -race it
	// would sleep 1 s at every exit.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	t.Setenv(EnvUID, "1000")
	t.Chdir(f.work)
	f.at(t0)
	return f
}

// at pins the fake's clock.
func (f *fake) at(now time.Time) { f.t.Setenv(EnvNow, strconv.FormatInt(now.Unix(), 10)) }

// run calls Main in-process and returns stdout, stderr and the exit code.
func (f *fake) run(prog string, args ...string) (string, string, int) {
	f.t.Helper()
	var out, errOut bytes.Buffer
	rc := Main(prog, args, &out, &errOut)
	return out.String(), errOut.String(), rc
}

// must runs a command that has to succeed and returns its stdout.
func (f *fake) must(prog string, args ...string) string {
	f.t.Helper()
	out, errOut, rc := f.run(prog, args...)
	if rc != 0 {
		f.t.Fatalf("%s %q: rc %d, stderr %q", prog, args, rc, errOut)
	}
	return out
}

// script writes an executable batch script into the work dir.
func (f *fake) script(name, body string) string {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(f.work, name), []byte(body), 0o755); err != nil {
		f.t.Fatal(err)
	}
	return name
}

// submit submits the default script with opts and returns the job id.
func (f *fake) submit(opts ...string) string {
	f.t.Helper()
	return f.submitScript(f.script("train.sh", "#!/bin/bash\necho train\n"), opts...)
}

// submitScript submits script with opts and returns the job id.
func (f *fake) submitScript(script string, opts ...string) string {
	f.t.Helper()
	args := append(append([]string{"--parsable"}, opts...), script)
	return strings.TrimSpace(f.must("sbatch", args...))
}

// sacctIDs runs the daemon's sacct -j invocation.
func (f *fake) sacctIDs(ids ...string) string {
	f.t.Helper()
	return f.must("sacct", "--parsable2", "--noheader", "-X", "--format="+SacctFormat, "-j", strings.Join(ids, ","))
}

// squeueAll runs the daemon's squeue invocation.
func (f *fake) squeueAll() string {
	f.t.Helper()
	return f.must("squeue", "--noheader", "--me", "--states=all", "--format="+pipeSqueueFormat)
}

// world reads the stored state.
func (f *fake) world() *world {
	f.t.Helper()
	w, err := loadWorld(f.dir, 1)
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}
