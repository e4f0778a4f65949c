package config

import (
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// examplePath is the documented example at the repository root.
const examplePath = "../../../config.example.yaml"

// TestExampleConfigParses keeps config.example.yaml valid and in step with
// the defaults: it must parse without problems or warnings, and its values
// must be the ones it documents.
func TestExampleConfigParses(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseWithEnv(data, "config.example.yaml", envOf(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	checkSlice(t, "Warnings", c.Warnings, nil)
	checkSlice(t, "RunNames", c.RunNames(), []string{"d20", "d24"})
	check(t, "PollInterval", c.PollInterval, DefaultPollInterval)
	check(t, "StateDir", c.StateDir, "/home/u/.local/state/nanosupervisord")
	check(t, "Slurm", c.Slurm, Slurm{CommandTimeout: DefaultCommandTimeout})
	check(t, "Storage.QuotaShell", c.Storage.QuotaShell, "")
	checkSlice(t, "Storage.QuotaCommand", c.Storage.QuotaCommand, nil)
	check(t, "Storage.QuotaTimeout", c.Storage.QuotaTimeout, DefaultQuotaTimeout)
	// Nothing is deleted unless the user uncomments prune:.
	check(t, "Prune == nil", c.Prune == nil, true)
	check(t, "Notify == nil", c.Notify == nil, true)

	d20 := c.Runs["d20"]
	check(t, "d20.Script", d20.Script, "/home/u/nanochat/runs/uppmax/train_d20_checkpoint.sh")
	check(t, "d20.Workdir", d20.Workdir, "/home/u/nanochat")
	check(t, "d20.CheckpointDir", d20.CheckpointDir, "/home/u/.cache/nanochat/base_checkpoints/d20")
	check(t, "d20.Log", d20.Log, "/home/u/nanochat-d20-ckpt-%j.out")
	check(t, "d20.Start", d20.Start, run.StartAdopt)
	check(t, "*d20.Targets.ValBPB", *d20.Targets.ValBPB, 0.75)
	check(t, "*d20.Targets.CoreMetric", *d20.Targets.CoreMetric, 0.25)
	check(t, "d20.Policy", d20.Policy, run.Policy{MaxAttempts: DefaultMaxAttempts, MaxFailuresWithoutProgress: DefaultMaxFailures,
		Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, RetryAfterProgress: DefaultRetryAfterProgress, StuckPendingAfter: DefaultStuckPendingAfter,
		StallAfterIntervals: DefaultStallAfterIntervals})
	check(t, "d20.OnStall", d20.OnStall, OnStallAlert)
	check(t, "d20.TimeLimit", d20.TimeLimit, TimeLimitKeep)
	check(t, "d20.EffectivePrune", d20.EffectivePrune(c.Prune), c.Prune)

	d24 := c.Runs["d24"]
	check(t, "d24.CheckpointDir", d24.CheckpointDir, "/home/u/.cache/nanochat/base_checkpoints/d24")
	check(t, "d24.Prune == nil", d24.Prune == nil, true)
	// The d24 goals of the nanochat speedrun guide.
	check(t, "*d24.Targets.ValBPB", *d24.Targets.ValBPB, 0.74)
	check(t, "*d24.Targets.CoreMetric", *d24.Targets.CoreMetric, 0.256)
}

// TestExamplePruneParses uncomments the retention policy (the global
// section and d24's own), so the documented but disabled keys are checked.
func TestExamplePruneParses(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	text = strings.Replace(text, "    # prune:\n    #   keep_last: 3", "    prune:\n      keep_last: 3", 1)
	i, j := strings.Index(text, "\n# prune:\n")+1, strings.Index(text, "# Notifications.")
	if i <= 0 || j < i {
		t.Fatal("config.example.yaml has no commented-out prune section before notify")
	}
	section := regexp.MustCompile(`(?m)^# ?`).ReplaceAllString(text[i:j], "")
	c, err := ParseWithEnv([]byte(text[:i]+section+text[j:]), "config.example.yaml", envOf(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Prune == nil || c.Runs["d24"].Prune == nil {
		t.Fatalf("Prune = %v, d24.Prune = %v; want both set", c.Prune, c.Runs["d24"].Prune)
	}
	check(t, "Prune", *c.Prune, Prune{Schedule: "0 3 * * *", KeepLast: 2, KeepEvery: 5})
	check(t, "d24.Prune", *c.Runs["d24"].Prune, Prune{Schedule: "0 3 * * *", KeepLast: 3, KeepEvery: 5})
}

// TestExampleNotifyParses uncomments the notify section, so the documented
// but disabled keys are checked too.
func TestExampleNotifyParses(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "# notify:")
	if i < 0 {
		t.Fatal("config.example.yaml has no commented-out notify section")
	}
	// "# key" -> "key", "#   # comment" -> "  # comment": remove one "# ".
	section := regexp.MustCompile(`(?m)^# ?`).ReplaceAllString(text[i:], "")
	c, err := ParseWithEnv([]byte(text[:i]+section), "config.example.yaml", envOf(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Notify{
		Webhook: "https://hooks.example.org/nanosupervisord",
		Command: []string{"notify-send", "nanosupervisord"},
		Events:  DefaultNotifyEvents,
		Timeout: 10 * time.Second,
	}
	n := c.Notify
	if n == nil || n.Webhook != want.Webhook || !slices.Equal(n.Command, want.Command) ||
		!slices.Equal(n.Events, want.Events) || n.Timeout != want.Timeout {
		t.Errorf("Notify = %+v, want %+v", n, want)
	}
}

// TestExampleDocumentsEveryKey checks that every key the decoder knows
// appears in the example, so a new key cannot ship undocumented.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	all = append(all, topKeys...)
	all = append(all, "bin_dir", "command_timeout", "schedule", "keep_last", "keep_every")
	all = append(all, runKeys...)
	all = append(all, "val_bpb", "core_metric")
	all = append(all, policyKeys...)
	all = append(all, notifyKeys...)
	all = append(all, storageKeys...)
	for _, key := range all {
		if !regexp.MustCompile(`(?m)^[ #]*` + key + `:`).Match(data) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}
