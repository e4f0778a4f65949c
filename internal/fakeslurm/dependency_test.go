package fakeslurm

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A job submitted with --dependency=afterany:N pends with reason Dependency
// while N is live, cannot be run by hand, and becomes an ordinary pending
// job once N ends, however it ended.
func TestDependencyAfterAny(t *testing.T) {
	for _, end := range []string{"TIMEOUT", "FAILED", "CANCELLED", "COMPLETED"} {
		t.Run(end, func(t *testing.T) {
			f := newFake(t)
			first := f.submit()
			f.must(ControlProgram, "run", first)
			second := f.submit("--dependency=afterany:" + first)
			if got := f.world().job(2); got.State != statePending || got.PendingReason != reasonDependency {
				t.Fatalf("successor %s is %s (%s), want PENDING (Dependency)", second, got.State, got.PendingReason)
			}
			if !strings.Contains(f.squeueAll(), "|Dependency|") {
				t.Errorf("squeue does not show reason Dependency:\n%s", f.squeueAll())
			}
			if _, stderr, rc := f.run(ControlProgram, "run", second); rc == 0 || !strings.Contains(stderr, "Dependency") {
				t.Errorf("run of a held job: rc %d, stderr %q; want a refusal naming Dependency", rc, stderr)
			}
			f.must(ControlProgram, "set", first, end)
			f.squeueAll()
			if got := f.world().job(2); got.State != statePending || got.PendingReason != "" {
				t.Fatalf("after %s the successor is %s (%q), want PENDING with no reason", end, got.State, got.PendingReason)
			}
			f.must(ControlProgram, "run", second)
		})
	}
}

func TestDependencyRefusals(t *testing.T) {
	f := newFake(t)
	if _, stderr, rc := f.run("sbatch", "--parsable", "--dependency=afterany:7", f.script("t.sh", "#!/bin/sh\n")); rc != 1 || stderr != dependencyStderr {
		t.Errorf("unknown job: rc %d, stderr %q; want 1, %q", rc, stderr, dependencyStderr)
	}
	if _, stderr, rc := f.run("sbatch", "--parsable", "--dependency=afterok:1", "t.sh"); rc == 0 || !strings.Contains(stderr, "only afterany") {
		t.Errorf("afterok: rc %d, stderr %q; want a refusal", rc, stderr)
	}
}

// In exec mode the held job's script starts when the job it waits for
// ends, not at submission.
func TestDependencyExecStartsAfterTheEnd(t *testing.T) {
	f := newExecFake(t)
	f.script("first.sh", "#!/bin/bash\nsleep 30\n")
	f.script("second.sh", "#!/bin/bash\necho started >second.out\n")
	first := f.submitScript("first.sh")
	second := f.submitScript("second.sh", "--dependency=afterany:"+first)
	time.Sleep(200 * time.Millisecond)
	if fileExists(filepath.Join(f.work, "second.out")) {
		t.Fatal("the held job's script ran while the job it waits for was running")
	}
	if got := f.world().job(2); got.State != statePending || got.Exec != nil {
		t.Fatalf("held job: state %s, exec %v; want PENDING, not started", got.State, got.Exec)
	}
	f.must("scancel", first)
	f.squeueAll()
	waitFor(t, "the held job's script to run", func() bool { return fileExists(filepath.Join(f.work, "second.out")) })
	if got := f.world().job(2); got.Start == 0 || got.HeldScript != nil {
		t.Errorf("released job %s: start %d, held script kept %v; want started, script dropped", second, got.Start, got.HeldScript != nil)
	}
}
