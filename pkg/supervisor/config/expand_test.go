package config

import (
	"testing"
)

func TestExpandPath(t *testing.T) {
	env := envOf(map[string]string{"HOME": "/home/u", "SCRATCH": "/scratch/u", "D": "d20", "DOLLAR": "$X"})
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "~", want: "/home/u"},
		{in: "~/nanochat", want: "/home/u/nanochat"},
		{in: "$HOME/x", want: "/home/u/x"},
		{in: "${SCRATCH}/ckpt/${D}", want: "/scratch/u/ckpt/d20"},
		{in: "$SCRATCH/$D.log", want: "/scratch/u/d20.log"},
		{in: "~/$D", want: "/home/u/d20"},
		{in: "a/~/b", want: "a/~/b"},     // ~ only expands at the start
		{in: "cost$$", want: "cost$"},    // $$ is a literal $
		{in: "price$5", want: "price$5"}, // $ before a non-name is kept
		{in: "end$", want: "end$"},       // trailing $ is kept
		{in: "$DOLLAR/y", want: "$X/y"},  // values are not expanded again
		{in: "log-%j.out", want: "log-%j.out"},
		{in: "~alice/x", wantErr: "~user paths are not supported; write the full path or use ~/ or $HOME"},
		{in: "$NOPE/x", wantErr: "environment variable NOPE is not set"},
		{in: "${NOPE}", wantErr: "environment variable NOPE is not set"},
		{in: "${SCRATCH", wantErr: `unterminated ${ in "${SCRATCH"`},
		{in: "${}", wantErr: "${} is not a variable name"},
		{in: "${A-B}", wantErr: "${A-B} is not a variable name"},
	}
	for _, tt := range tests {
		got, err := expandPath(tt.in, env)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("expandPath(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expandPath(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestExpandPathWithoutHome(t *testing.T) {
	_, err := expandPath("~/x", envOf(nil))
	if err == nil || err.Error() != "~ used but HOME is not set" {
		t.Errorf("expandPath(~/x) without HOME: error = %v, want ~ used but HOME is not set", err)
	}
}

// TestRelativePaths pins which directory each relative path is anchored at.
func TestRelativePaths(t *testing.T) {
	tests := []struct {
		name, file, run                string
		script, workdir, ckpt, logPath string
	}{
		{
			name: "workdir and checkpoint_dir from the config dir, script from workdir",
			file: "/cfg/config.yaml", run: "script: train.sh\n    workdir: work\n    checkpoint_dir: ckpt\n    log: logs/%j.out",
			script: "/cfg/work/train.sh", workdir: "/cfg/work", ckpt: "/cfg/ckpt", logPath: "logs/%j.out",
		},
		{
			name: "no workdir: script from the config dir, workdir is its directory",
			file: "/cfg/config.yaml", run: "script: runs/train.sh\n    checkpoint_dir: ../ckpt",
			script: "/cfg/runs/train.sh", workdir: "/cfg/runs", ckpt: "/ckpt",
		},
		{
			name: "absolute paths are only cleaned",
			file: "/cfg/config.yaml", run: "script: /a/b/../train.sh\n    workdir: /w/\n    checkpoint_dir: /c//d",
			script: "/a/train.sh", workdir: "/w", ckpt: "/c/d",
		},
		{
			name: "a relative config path gives relative results",
			file: "conf/config.yaml", run: "script: train.sh\n    checkpoint_dir: ckpt",
			script: "conf/train.sh", workdir: "conf", ckpt: "conf/ckpt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("runs:\n  r:\n    targets: {val_bpb: 0.8}\n    " + tt.run + "\n")
			c, err := ParseWithEnv(data, tt.file, envOf(map[string]string{"HOME": "/h"}))
			if err != nil {
				t.Fatal(err)
			}
			r := c.Runs["r"]
			check(t, "Script", r.Script, tt.script)
			check(t, "Workdir", r.Workdir, tt.workdir)
			check(t, "CheckpointDir", r.CheckpointDir, tt.ckpt)
			check(t, "Log", r.Log, tt.logPath)
		})
	}
}

func TestStateDirDefault(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"XDG_STATE_HOME wins", map[string]string{"HOME": "/h", "XDG_STATE_HOME": "/xdg/state"}, "/xdg/state/nanosupervisord"},
		{"relative XDG_STATE_HOME is ignored", map[string]string{"HOME": "/h", "XDG_STATE_HOME": "rel"}, "/h/.local/state/nanosupervisord"},
		{"HOME", map[string]string{"HOME": "/h"}, "/h/.local/state/nanosupervisord"},
	}
	data := []byte("runs:\n  r:\n    script: /s.sh\n    checkpoint_dir: /c\n    targets: {val_bpb: 0.8}\n")
	for _, tt := range tests {
		c, err := ParseWithEnv(data, "/cfg/c.yaml", envOf(tt.env))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		check(t, tt.name, c.StateDir, tt.want)
	}
	_, err := ParseWithEnv(data, "/cfg/c.yaml", envOf(nil))
	want := "/cfg/c.yaml:1:1: state_dir: not set, and neither XDG_STATE_HOME nor HOME is set to derive it from"
	if err == nil || err.Error() != want {
		t.Errorf("no HOME: error = %v, want %s", err, want)
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/x"}, "/x/nanosupervisord/config.yaml"},
		{map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "relative"}, "/h/.config/nanosupervisord/config.yaml"},
		{map[string]string{"HOME": "/h"}, "/h/.config/nanosupervisord/config.yaml"},
		{nil, "config.yaml"},
	}
	for _, tt := range tests {
		check(t, "defaultPath", defaultPath(envOf(tt.env)), tt.want)
	}
	t.Setenv("XDG_CONFIG_HOME", "/from/env")
	check(t, "DefaultPath", DefaultPath(), "/from/env/nanosupervisord/config.yaml")
}
