package notify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// writeScript writes a shell script into dir and returns its path.
func writeScript(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCommandGetsPayloadAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, `cat > "$1"
printf '%s|%s|%s|%s\n' "$NSV_EVENT" "$NSV_RUN" "$NSV_REASON" "$NSV_JOB_ID" > "$1.env"
`)
	out := filepath.Join(dir, "payload.json")
	var errs errorLog
	n := newTestNotifier(&config.Notify{Command: []string{script, out}, Events: []string{"run_stopped"}, Timeout: 10 * time.Second}, &errs)
	n.Handle("d24", "run_stopped", map[string]any{"run": "d24", "reason": "crash_loop", "job_id": "5102", "attempt": 7})
	closeNow(t, n)
	if e := errs.all(); len(e) != 0 {
		t.Fatalf("errors: %v", e)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the command did not write its stdin: %v", err)
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("stdin was not the JSON payload: %v: %s", err, body)
	}
	if p.Event != "run_stopped" || p.Run != "d24" || p.Host != "login1" || !p.Time.Equal(epoch) || string(p.Fields["attempt"]) != "7" {
		t.Errorf("payload: got %s", body)
	}
	env, err := os.ReadFile(out + ".env")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(env)), "run_stopped|d24|crash_loop|5102"; got != want {
		t.Errorf("environment: got %q, want %q", got, want)
	}
}

func TestCommandFailures(t *testing.T) {
	tests := []struct {
		name, body string
		timeout    time.Duration
		want       string
	}{
		{"exit status and output", "echo 'no route to phone' >&2; exit 3\n", 10 * time.Second,
			"command NOTIFY: exit status 3: no route to phone"},
		// The sleep is a grandchild holding the output pipe: the whole
		// process group must go, or the worker would wait 30s.
		{"timeout kills the group", "sleep 30 &\necho $! > \"$0.pid\"\nwait\n", 200 * time.Millisecond,
			"command NOTIFY: killed after the 200ms timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := writeScript(t, t.TempDir(), tt.body)
			var errs errorLog
			n := newTestNotifier(&config.Notify{Command: []string{script}, Events: []string{"run_stopped"}, Timeout: tt.timeout}, &errs)
			start := time.Now()
			n.Handle("d20", "run_stopped", nil)
			closeNow(t, n)
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("delivery took %s", elapsed)
			}
			e := errs.all()
			want := strings.ReplaceAll(tt.want, "NOTIFY", script)
			if len(e) != 1 || !strings.Contains(e[0].Error(), want) {
				t.Errorf("errors: got %v, want one containing %q", e, want)
			}
			if pid, err := os.ReadFile(script + ".pid"); err == nil {
				waitGone(t, strings.TrimSpace(string(pid)))
			}
		})
	}
}

// TestWebhookAndCommand: both are used for every notification.
func TestWebhookAndCommand(t *testing.T) {
	h := newHook(t)
	dir := t.TempDir()
	script := writeScript(t, dir, `cat >> "$1"; echo >> "$1"`)
	out := filepath.Join(dir, "log")
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: h.URL, Command: []string{script, out}, Events: []string{"run_stopped", "run_target_reached"}}, &errs)
	n.Handle("a", "run_stopped", nil)
	n.Handle("b", "run_target_reached", nil)
	closeNow(t, n)
	if got := h.requests(); got != 2 {
		t.Errorf("webhook requests: got %d, want 2", got)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(body), `"event":`); got != 2 {
		t.Errorf("command runs: got %d payloads, want 2:\n%s", got, body)
	}
}

// waitGone fails the test unless the process is gone (or a zombie, which
// is dead but not yet reaped by its new parent) within two seconds. It
// reads /proc, so it checks nothing where there is none.
func waitGone(t *testing.T, pid string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return
		}
		// "pid (comm) S ...": the state follows the command's closing paren.
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %s outlived the command's timeout: %s", pid, stat)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
