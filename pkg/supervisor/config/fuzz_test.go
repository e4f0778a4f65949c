package config

import (
	"errors"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the parser. It must never panic, and it
// must either return a Config that keeps the format's promises or an *Error
// with at least one located, worded problem — never both, never neither.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, examplePath)
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("runs: {a: {script: s, checkpoint_dir: c, policy: {<<: {backoff: 1s}}}}"))
	f.Add([]byte("x-a: &a {script: s}\nruns: {a: {<<: [*a, *a], checkpoint_dir: c}}"))
	f.Add([]byte("prune: {schedule: CRON_TZ=Europe/Stockholm 0 3 * * *}\nruns: {a: {script: s, checkpoint_dir: c}}"))

	env := envOf(map[string]string{"HOME": "/home/u", "SCRATCH": "/scratch/u"})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseWithEnv(data, "/cfg/config.yaml", env)
		if err != nil {
			if c != nil {
				t.Fatalf("got both a config and an error: %v", err)
			}
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) == 0 {
				t.Fatalf("error %v (%T), want *Error with problems", err, err)
			}
			for _, p := range cerr.Problems {
				if p.File != "/cfg/config.yaml" || p.Message == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
			return
		}
		checkInvariants(t, c)
	})
}

// checkInvariants asserts what every accepted Config promises its users.
func checkInvariants(t *testing.T, c *Config) {
	t.Helper()
	if len(c.Runs) == 0 {
		t.Fatal("accepted a config without runs")
	}
	if c.PollInterval < minPollInterval || c.Slurm.CommandTimeout < minTimeout {
		t.Fatalf("accepted poll_interval %v, command_timeout %v", c.PollInterval, c.Slurm.CommandTimeout)
	}
	if !filepath.IsAbs(c.StateDir) {
		t.Fatalf("state_dir %q not absolute", c.StateDir)
	}
	dirs := map[string]bool{}
	for name, r := range c.Runs {
		if r.Name != name || !runName.MatchString(name) {
			t.Fatalf("run %q named %q", name, r.Name)
		}
		if !filepath.IsAbs(r.Script) || !filepath.IsAbs(r.Workdir) || !filepath.IsAbs(r.CheckpointDir) {
			t.Fatalf("run %s: paths not absolute: %q %q %q", name, r.Script, r.Workdir, r.CheckpointDir)
		}
		if dirs[r.CheckpointDir] {
			t.Fatalf("run %s: checkpoint_dir %s shared", name, r.CheckpointDir)
		}
		dirs[r.CheckpointDir] = true
		p := r.Policy
		if r.Ranks < 1 || p.MaxAttempts < 1 || p.MaxFailuresWithoutProgress < 1 || p.Backoff <= 0 || p.MaxBackoff < p.Backoff || p.RetryAfterProgress < 0 {
			t.Fatalf("run %s: impossible values accepted: ranks %d, policy %+v", name, r.Ranks, p)
		}
		if v := r.Targets.ValBPB; v != nil && !(*v > 0) {
			t.Fatalf("run %s: val_bpb %v accepted", name, *v)
		}
		if v := r.Targets.CoreMetric; v != nil && !(*v >= 0 && *v <= 1) {
			t.Fatalf("run %s: core_metric %v accepted", name, *v)
		}
		switch r.Start {
		case run.StartAdopt, run.StartSubmit, run.StartWait:
		default:
			t.Fatalf("run %s: start %q accepted", name, r.Start)
		}
		if pr := r.EffectivePrune(c.Prune); pr != nil && (pr.KeepLast < 1 || pr.KeepEvery < 0 || checkCron(pr.Schedule) != nil) {
			t.Fatalf("run %s: prune %+v accepted", name, *pr)
		}
	}
}
