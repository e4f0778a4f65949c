// Package systemd holds the user unit; this test checks it.
package systemd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const unit = "nanosupervisord.service"

// settings reads key=value lines by section.
func settings(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(unit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, _ := strings.Cut(line, "=")
			got[section+"."+k] = v
		}
	}
	return got
}

func TestUnitSettings(t *testing.T) {
	s := settings(t)
	want := map[string]string{
		"Service.Type":                     "notify",
		"Service.ExecStart":                "%h/.local/bin/nanosupervisord run",
		"Service.ExecReload":               "/bin/kill -HUP $MAINPID",
		"Service.Restart":                  "on-failure",
		"Service.RestartPreventExitStatus": "3",
		"Install.WantedBy":                 "default.target",
		// Hardening that needs no namespaces, so it works in user units.
		"Service.NoNewPrivileges":         "yes",
		"Service.LockPersonality":         "yes",
		"Service.RestrictRealtime":        "yes",
		"Service.RestrictSUIDSGID":        "yes",
		"Service.SystemCallArchitectures": "native",
		"Service.MemoryDenyWriteExecute":  "yes",
	}
	for k, v := range want {
		if s[k] != v {
			t.Errorf("%s = %q; want %q", k, s[k], v)
		}
	}
	for _, k := range []string{"Service.WatchdogSec", "Service.TimeoutStartSec", "Unit.StartLimitIntervalSec", "Unit.StartLimitBurst"} {
		if s[k] == "" {
			t.Errorf("%s is missing", k)
		}
	}
	// A user manager has no network-online.target: ordering after it
	// does nothing there and suggests otherwise.
	for _, k := range []string{"Unit.After", "Unit.Wants", "Unit.Requires"} {
		if strings.Contains(s[k], "network-online.target") {
			t.Errorf("%s = %q; a user unit cannot wait for network-online.target", k, s[k])
		}
	}
}

// TestUnitEnvironmentFile: the unit shows how to give the daemon an
// environment (the user manager's is not the login shell's), with the
// leading '-' that keeps a missing file from failing the start.
func TestUnitEnvironmentFile(t *testing.T) {
	data, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	const want = "#EnvironmentFile=-%h/.config/nanosupervisord/env"
	if !strings.Contains(string(data), "\n"+want+"\n") {
		t.Errorf("%s has no line %q", unit, want)
	}
	// Uncommented, it must still verify (see TestUnitVerifies).
	if s := strings.TrimPrefix(want, "#"); !strings.HasPrefix(s, "EnvironmentFile=-") {
		t.Errorf("example %q is not an optional EnvironmentFile", s)
	}
}

// TestUnitVerifies runs systemd-analyze verify on the unit (with ExecStart
// pointing at a binary that exists here); any complaint fails the test.
func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	data, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "%h/.local/bin/nanosupervisord", "/bin/true")
	// Verify the unit with the example environment file in force too.
	text = strings.ReplaceAll(text, "#EnvironmentFile=", "EnvironmentFile=")
	path := filepath.Join(t.TempDir(), unit)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
