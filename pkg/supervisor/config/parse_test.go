package config

import (
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// envOf returns a getenv over a fixed map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func mustParse(t *testing.T, file string, env map[string]string) *Config {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseWithEnv(data, "/etc/nsv/config.yaml", envOf(env))
	if err != nil {
		t.Fatalf("ParseWithEnv(%s): %v", file, err)
	}
	return c
}

func check[T comparable](t *testing.T, name string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func checkSlice[T comparable](t *testing.T, name string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func TestParseMinimalAppliesDefaults(t *testing.T) {
	c := mustParse(t, "testdata/good_minimal.yaml", map[string]string{"HOME": "/home/u"})
	check(t, "Path", c.Path, "/etc/nsv/config.yaml")
	check(t, "PollInterval", c.PollInterval, 2*time.Minute)
	check(t, "StateDir", c.StateDir, "/home/u/.local/state/nanosupervisord")
	check(t, "Slurm.BinDir", c.Slurm.BinDir, "")
	check(t, "Slurm.CommandTimeout", c.Slurm.CommandTimeout, 60*time.Second)
	check(t, "Prune == nil", c.Prune == nil, true)
	check(t, "Notify == nil", c.Notify == nil, true)
	checkSlice(t, "RunNames", c.RunNames(), []string{"d20"})

	r := c.Runs["d20"]
	check(t, "Name", r.Name, "d20")
	check(t, "Script", r.Script, "/home/u/nanochat/runs/uppmax/train_d20_checkpoint.sh")
	check(t, "Workdir", r.Workdir, "/home/u/nanochat/runs/uppmax")
	check(t, "CheckpointDir", r.CheckpointDir, "/home/u/.cache/nanochat/base_checkpoints/d20")
	check(t, "Ranks", r.Ranks, 1)
	check(t, "JobName", r.JobName, "")
	checkSlice(t, "ResumeArgs", r.ResumeArgs, []string{"{step}"})
	checkSlice(t, "SbatchArgs", r.SbatchArgs, nil)
	check(t, "len(Env)", len(r.Env), 0)
	check(t, "Log", r.Log, "")
	check(t, "Start", r.Start, run.StartAdopt)
	check(t, "Targets.ValBPB == nil", r.Targets.ValBPB == nil, true)
	check(t, "Targets.CoreMetric == nil", r.Targets.CoreMetric == nil, true)
	check(t, "Policy", r.Policy, run.Policy{MaxAttempts: 50, MaxFailuresWithoutProgress: 2, Backoff: time.Minute, MaxBackoff: 30 * time.Minute, RetryAfterProgress: 10 * time.Second, StuckPendingAfter: time.Hour, StallAfterIntervals: DefaultStallAfterIntervals})
	check(t, "Paused", r.Paused, false)
	check(t, "Prune == nil", r.Prune == nil, true)
	// No targets is legal but can never end as done: the user is told.
	checkSlice(t, "Warnings", c.Warnings, []string{
		"/etc/nsv/config.yaml:2:3: runs.d20.targets: no targets: the run is resubmitted until training finishes and can never be done",
	})
}

func TestParseFull(t *testing.T) {
	c := mustParse(t, "testdata/good_full.yaml", map[string]string{
		"HOME": "/home/u", "SCRATCH": "/scratch/u", "HOOK_TOKEN": "s3cret",
	})
	check(t, "PollInterval", c.PollInterval, 90*time.Second)
	check(t, "StateDir", c.StateDir, "/etc/nsv/state")
	check(t, "Slurm", c.Slurm, Slurm{BinDir: "/opt/slurm/bin", CommandTimeout: 2 * time.Minute})
	check(t, "Prune", *c.Prune, Prune{Schedule: "@daily", KeepLast: 3, KeepEvery: 5})
	check(t, "Notify.Webhook", c.Notify.Webhook, "https://hooks.example.org/s3cret")
	checkSlice(t, "Notify.Command", c.Notify.Command, []string{"/home/u/bin/notify", "--urgent"})
	checkSlice(t, "Notify.Events", c.Notify.Events, []string{"run_stopped"})
	check(t, "Notify.Timeout", c.Notify.Timeout, 5*time.Second)
	checkSlice(t, "RunNames", c.RunNames(), []string{"d20", "d24"})
	checkSlice(t, "Warnings", c.Warnings, nil)

	d20 := c.Runs["d20"]
	check(t, "d20.Script", d20.Script, "/scratch/u/nanochat/runs/train_d20.sh") // relative to workdir
	check(t, "d20.Workdir", d20.Workdir, "/scratch/u/nanochat")
	check(t, "d20.CheckpointDir", d20.CheckpointDir, "/scratch/u/ckpt/d20")
	check(t, "d20.Ranks", d20.Ranks, 2)
	check(t, "d20.JobName", d20.JobName, "nc-d20")
	checkSlice(t, "d20.ResumeArgs", d20.ResumeArgs, []string{"--resume-from-step", "{step}"})
	checkSlice(t, "d20.SbatchArgs", d20.SbatchArgs, []string{"--time=24:00:00", "--gpus=2"})
	if want := map[string]string{"PYTHONUNBUFFERED": "1", "WANDB_MODE": "offline"}; !reflect.DeepEqual(d20.Env, want) {
		t.Errorf("d20.Env = %v, want %v", d20.Env, want)
	}
	check(t, "d20.Log", d20.Log, "logs/%x-%j.out") // stays relative: relative to workdir
	check(t, "d20.Start", d20.Start, run.StartSubmit)
	check(t, "*d20.Targets.ValBPB", *d20.Targets.ValBPB, 0.75)
	check(t, "*d20.Targets.CoreMetric", *d20.Targets.CoreMetric, 0.25)
	check(t, "d20.Policy", d20.Policy, run.Policy{MaxAttempts: 20, MaxFailuresWithoutProgress: 3, Backoff: 5 * time.Minute, MaxBackoff: 2 * time.Hour, RetryAfterProgress: 10 * time.Second, StuckPendingAfter: time.Hour, StallAfterIntervals: 2})
	check(t, "d20.OnStall", d20.OnStall, OnStallCancel)
	check(t, "d20.TimeLimit", d20.TimeLimit, TimeLimitFit)
	check(t, "d20.Paused", d20.Paused, true)
	check(t, "d20.Cluster", d20.Cluster, "snowy")
	check(t, "d20.Requeue", d20.Requeue, true)
	check(t, "d20.Prune", *d20.Prune, Prune{Schedule: "@daily", KeepLast: 3, KeepEvery: 10})
	check(t, "d20.EffectivePrune", d20.EffectivePrune(c.Prune), d20.Prune)

	d24 := c.Runs["d24"]
	check(t, "d24.Script", d24.Script, "/abs/train_d24.sh")
	check(t, "d24.Workdir", d24.Workdir, "/scratch/u/nanochat") // from the merged defaults
	check(t, "d24.CheckpointDir", d24.CheckpointDir, "/etc/nsv/ckpt/d24")
	checkSlice(t, "d24.ResumeArgs", d24.ResumeArgs, []string{"{step}"})
	check(t, "d24.Start", d24.Start, run.StartWait)
	check(t, "d24.Targets.ValBPB == nil", d24.Targets.ValBPB == nil, true)
	check(t, "*d24.Targets.CoreMetric", *d24.Targets.CoreMetric, 0.0)
	// Merged policy keeps the merged keys and the defaults for the rest.
	check(t, "d24.TimeLimit", d24.TimeLimit, TimeLimitKeep)
	check(t, "d24.Policy", d24.Policy, run.Policy{MaxAttempts: 10, MaxFailuresWithoutProgress: 2, Backoff: 2 * time.Minute, MaxBackoff: 30 * time.Minute, RetryAfterProgress: 10 * time.Second, StuckPendingAfter: time.Hour, StallAfterIntervals: DefaultStallAfterIntervals})
	check(t, "d24.Paused", d24.Paused, false)
	// schedule: "" switches scheduled pruning off but keeps the retention.
	check(t, "d24.Prune", *d24.Prune, Prune{Schedule: "", KeepLast: 3, KeepEvery: 5})
}

func TestEffectivePrune(t *testing.T) {
	global := &Prune{Schedule: "@daily", KeepLast: 2}
	own := &Prune{KeepLast: 4}
	tests := []struct {
		name   string
		run    *Run
		global *Prune
		want   *Prune
	}{
		{"no prune anywhere", &Run{}, nil, nil},
		{"global only", &Run{}, global, global},
		{"own only", &Run{Prune: own}, nil, own},
		{"own wins", &Run{Prune: own}, global, own},
	}
	for _, tt := range tests {
		if got := tt.run.EffectivePrune(tt.global); got != tt.want {
			t.Errorf("%s: EffectivePrune = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRunPruneWithoutGlobalUsesDefaults(t *testing.T) {
	data := []byte("runs:\n  d20:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n    prune: {keep_every: 4}\n")
	c, err := ParseWithEnv(data, "c.yaml", envOf(map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Prune", *c.Runs["d20"].Prune, Prune{KeepLast: DefaultKeepLast, KeepEvery: 4})
}

func TestNotifyDefaults(t *testing.T) {
	data := []byte("runs:\n  d20:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\nnotify:\n  command: [notify-send]\n")
	c, err := ParseWithEnv(data, "c.yaml", envOf(map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	checkSlice(t, "Events", c.Notify.Events, DefaultNotifyEvents)
	check(t, "Timeout", c.Notify.Timeout, DefaultNotifyTimeout)
	check(t, "Webhook", c.Notify.Webhook, "")
	// The defaults must not alias the package variable.
	c.Notify.Events[0] = "changed"
	check(t, "DefaultNotifyEvents[0]", DefaultNotifyEvents[0], "run_target_reached")
}

func TestBackoffAboveDefaultCapRaisesCap(t *testing.T) {
	data := []byte("runs:\n  d20:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n    policy: {backoff: 1h}\n")
	c, err := ParseWithEnv(data, "c.yaml", envOf(map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Policy", c.Runs["d20"].Policy, run.Policy{MaxAttempts: 50, MaxFailuresWithoutProgress: 2, Backoff: time.Hour, MaxBackoff: time.Hour, RetryAfterProgress: 10 * time.Second, StuckPendingAfter: time.Hour, StallAfterIntervals: DefaultStallAfterIntervals})
}

func TestRetryAfterProgress(t *testing.T) {
	const head = "runs:\n  d20:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n"
	tests := []struct {
		policy  string
		want    time.Duration
		wantErr string
	}{
		{policy: "{backoff: 5m}", want: DefaultRetryAfterProgress},
		{policy: "{retry_after_progress: 0s}", want: 0},
		{policy: "{retry_after_progress: 45s}", want: 45 * time.Second},
		{policy: "{retry_after_progress: -5s}", wantErr: "c.yaml:6:36: runs.d20.policy.retry_after_progress: must be at least 0s, got -5s"},
		{policy: "{retry_after_progres: 5s}", wantErr: "c.yaml:6:14: runs.d20.policy.retry_after_progres: unknown key; did you mean retry_after_progress?"},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			data := []byte(head + "    policy: " + tt.policy + "\n")
			c, err := ParseWithEnv(data, "c.yaml", envOf(map[string]string{"HOME": "/h"}))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Runs["d20"].Policy.RetryAfterProgress; got != tt.want {
				t.Errorf("RetryAfterProgress = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestMergeKeys pins YAML merge-key precedence: keys written in the mapping
// win, then the first merged mapping, then later ones; nested merges count.
func TestMergeKeys(t *testing.T) {
	c := parseString(t, `x-a: &a {ranks: 2, job_name: from-a}
x-b: &b {ranks: 3, job_name: from-b, start: wait}
x-c: &c {<<: *b, paused: true}
runs:
  r:
    <<: [*a, *c]
    job_name: own
    script: /s.sh
    checkpoint_dir: /c
    targets: {val_bpb: 0.8}
`)
	r := c.Runs["r"]
	check(t, "JobName (written wins)", r.JobName, "own")
	check(t, "Ranks (first merge wins)", r.Ranks, 2)
	check(t, "Start (from a later merge)", r.Start, run.StartWait)
	check(t, "Paused (nested merge)", r.Paused, true)
}

func TestNotifyWebhookFormat(t *testing.T) {
	const head = "runs:\n  d20:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\nnotify:\n  webhook: "
	tests := []struct {
		webhook     string
		url, format string
		wantErr     string
	}{
		{webhook: "https://h.example.org/x", url: "https://h.example.org/x", format: WebhookJSON},
		{webhook: "{url: https://hooks.slack.com/services/T/B/X, format: slack}", url: "https://hooks.slack.com/services/T/B/X", format: WebhookSlack},
		{webhook: "{url: https://ntfy.sh/$TOPIC, format: ntfy}", url: "https://ntfy.sh/runs", format: WebhookNtfy},
		{webhook: "{url: https://h.example.org/x}", url: "https://h.example.org/x", format: WebhookJSON},
		{webhook: "{url: https://h.example.org/x, format: teams}", wantErr: `c.yaml:7:51: notify.webhook.format: must be one of json, slack, discord, ntfy or matrix, got "teams"`},
		{webhook: "{format: slack}", wantErr: "notify.webhook.url: required"},
		{webhook: "{url: ftp://x, format: slack}", wantErr: `notify.webhook.url: expected an http:// or https:// URL, got "ftp://x"`},
	}
	for _, tt := range tests {
		t.Run(tt.webhook, func(t *testing.T) {
			c, err := ParseWithEnv([]byte(head+tt.webhook+"\n"), "c.yaml", envOf(map[string]string{"HOME": "/h", "TOPIC": "runs"}))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			check(t, "Webhook", c.Notify.Webhook, tt.url)
			check(t, "WebhookFormat", c.Notify.WebhookFormat, tt.format)
		})
	}
}
