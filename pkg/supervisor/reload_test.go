package supervisor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// configFile writes a valid configuration with the given runs into dir.
func configFile(t *testing.T, dir, path string, runs ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("poll_interval: 2m\nstate_dir: " + filepath.Join(dir, "state") + "\nruns:\n")
	for _, r := range runs {
		work := filepath.Join(dir, r)
		os.MkdirAll(work, 0o755)
		os.WriteFile(filepath.Join(work, "train.sh"), []byte("#!/bin/bash\n#SBATCH -J "+r+"\n"), 0o755)
		b.WriteString("  " + r + ":\n    script: " + filepath.Join(work, "train.sh") + "\n    checkpoint_dir: " + filepath.Join(work, "ckpt") + "\n    targets: {val_bpb: 0.75}\n")
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestReloadFile(t *testing.T) {
	r := newRig(t, "d20")
	dir := filepath.Dir(r.cfg.StateDir) // the state directory must not change
	path := filepath.Join(dir, "config.yaml")
	configFile(t, dir, path, "d20")
	core, logs := observer.New(zap.DebugLevel)
	r.sup.Logger = zap.New(core)

	changed, err := r.sup.ReloadFile(path, "test")
	if err != nil || !changed {
		t.Fatalf("first reload: changed %v, err %v", changed, err)
	}
	configFile(t, dir, path, "d20", "d24")
	if changed, err := r.sup.ReloadFile(path, "test"); err != nil || !changed || len(r.sup.Config().Runs) != 2 {
		t.Fatalf("adding d24: changed %v err %v runs %v", changed, err, r.sup.Config().RunNames())
	}
	if changed, _ := r.sup.ReloadFile(path, "test"); changed {
		t.Errorf("reloading an unchanged file reported a change")
	}
	os.WriteFile(path, []byte("poll_interval: 2m\nruns:\n  d20:\n    scrpit: x\n"), 0o644)
	if changed, err := r.sup.ReloadFile(path, "test"); err == nil || changed {
		t.Fatalf("bad edit: changed %v err %v; want rejected", changed, err)
	}
	if got := r.sup.Config().RunNames(); len(got) != 2 {
		t.Errorf("after a bad edit the runs are %v; want the previous d20 and d24", got)
	}
	if n := logs.FilterMessage(run.EventConfigRejected).Len(); n != 1 {
		t.Errorf("config_rejected logged %d times; want 1", n)
	}
	if ev := logs.FilterMessage(run.EventConfigReloaded).AllUntimed(); len(ev) != 2 {
		t.Errorf("config_reloaded logged %d times; want 2", len(ev))
	}
}

// A reload must not change what the daemon wired at start-up: following a
// new state_dir would leave the lease on the old directory while cron ticks
// and status read the new, unlocked one, and two daemons would act for one
// run. Such an edit is refused as a whole, naming the key.
func TestReloadRefusesStartupOnlyChange(t *testing.T) {
	tests := []struct {
		name, key string
		edit      func(cfg, stateDir string) string
	}{
		{"state_dir", "state_dir", func(cfg, stateDir string) string {
			return strings.Replace(cfg, "state_dir: "+stateDir, "state_dir: "+stateDir+"-elsewhere", 1)
		}},
		{"slurm.command_timeout", "slurm.command_timeout", func(cfg, _ string) string { return "slurm: {command_timeout: 2m}\n" + cfg }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "d20")
			dir := filepath.Dir(r.cfg.StateDir)
			path := filepath.Join(dir, "config.yaml")
			configFile(t, dir, path, "d20")
			if changed, err := r.sup.ReloadFile(path, "test"); err != nil || !changed {
				t.Fatalf("reload keeping the start-up settings: changed %v, err %v", changed, err)
			}
			before := r.sup.Config()
			core, logs := observer.New(zap.DebugLevel)
			r.sup.Logger = zap.New(core)

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited := tt.edit(string(data), r.cfg.StateDir) + "  d24:\n    script: " + r.cfg.Runs["d20"].Script +
				"\n    job_name: d24\n    checkpoint_dir: " + filepath.Join(dir, "ckpt24") + "\n"
			if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			changed, err := r.sup.ReloadFile(path, "test")
			if changed || err == nil {
				t.Fatalf("changed %v, err %v; want the reload refused", changed, err)
			}
			if got := r.sup.Config(); got != before {
				t.Errorf("the configuration in force changed (runs %v); want the old one kept", got.RunNames())
			}
			rejected := logs.FilterMessage(run.EventConfigRejected).AllUntimed()
			if len(rejected) != 1 {
				t.Fatalf("config_rejected logged %d times; want 1", len(rejected))
			}
			fields := rejected[0].ContextMap()
			msg, _ := fields[run.FieldError].(string)
			if fields[run.FieldReason] != run.ReasonRestartRequired || !strings.Contains(msg, tt.key) || !strings.Contains(msg, "restart the daemon to change it") {
				t.Errorf("config_rejected fields %v; want reason %s and an error naming %s and saying to restart", fields, run.ReasonRestartRequired, tt.key)
			}
			if n := logs.FilterMessage(run.EventConfigReloaded).Len(); n != 0 {
				t.Errorf("config_reloaded logged %d times; want 0", n)
			}
		})
	}
}

func TestWatchConfigEdits(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, dir, path string)
	}{
		{"in-place write", func(t *testing.T, dir, path string) {
			os.WriteFile(path, []byte("poll_interval: 3m\n"), 0o644)
		}},
		{"new file renamed over it", func(t *testing.T, dir, path string) {
			os.WriteFile(path+".swp", []byte("poll_interval: 4m\n"), 0o644)
			os.Rename(path+".swp", path)
		}},
		{"symlink swapped to another target", func(t *testing.T, dir, path string) {
			other := filepath.Join(dir, "real", "other.yaml")
			os.WriteFile(other, []byte("poll_interval: 5m\n"), 0o644)
			tmp := filepath.Join(dir, "link.tmp")
			os.Symlink(other, tmp)
			os.Rename(tmp, path)
		}},
		{"symlink target edited", func(t *testing.T, dir, path string) {
			os.WriteFile(filepath.Join(dir, "real", "config.yaml"), []byte("poll_interval: 6m\n"), 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "real"), 0o755)
			target := filepath.Join(dir, "real", "config.yaml")
			os.WriteFile(target, []byte("poll_interval: 2m\n"), 0o644)
			path := filepath.Join(dir, "config.yaml")
			if strings.HasPrefix(tt.name, "symlink") {
				os.Symlink(target, path)
			} else {
				os.WriteFile(path, []byte("poll_interval: 2m\n"), 0o644)
			}
			called := make(chan struct{}, 10)
			w, err := WatchConfig(context.Background(), path, func() { called <- struct{}{} })
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			tt.edit(t, dir, path)
			select {
			case <-called:
			case <-time.After(5 * time.Second):
				t.Fatalf("no reload callback within 5s of the edit")
			}
		})
	}
}

// A file touched more often than the debounce (a sync tool, an autosave
// loop) still has its content re-read when the periodic re-check is due:
// the events must not keep pushing the timer back.
func TestWatchConfigRecheckUnderConstantTouches(t *testing.T) {
	defer func(d time.Duration) { reloadRecheck = d }(reloadRecheck)
	reloadRecheck = time.Second
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	called := make(chan struct{}, 16)
	w, err := WatchConfig(context.Background(), path, func() { called <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.WriteFile(path, []byte("a: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * reloadRecheck)
	for time.Now().Before(deadline) {
		select {
		case <-called:
			return
		default:
		}
		now := time.Now()
		if err := os.Chtimes(path, now, now); err != nil {
			t.Fatal(err)
		}
		time.Sleep(reloadDebounce / 3)
	}
	t.Fatalf("the content changed %s ago under touches every %s; onChange was never called", 3*reloadRecheck, reloadDebounce/3)
}
