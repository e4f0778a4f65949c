package simtrain

import (
	"errors"
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseArgs(t *testing.T) {
	home := map[string]string{"HOME": "/home/u"}
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(Config) string // "" when fine
	}{
		{"defaults", nil, home, func(c Config) string {
			if c.ResumeFromStep != -1 || c.Dir() != filepath.Join("/home/u", ".cache", "nanochat", "base_checkpoints", "d20") {
				return "resume " + itoa(c.ResumeFromStep) + " dir " + c.Dir()
			}
			return ""
		}},
		{"base dir and model tag", []string{"--model-tag=x"}, map[string]string{"NANOCHAT_BASE_DIR": "/b"}, func(c Config) string {
			return want(c.Dir(), filepath.Join("/b", "base_checkpoints", "x"))
		}},
		{"positional resume step", []string{"--depth=20", "200", "--save-every=100"}, home, func(c Config) string {
			return want(itoa(c.ResumeFromStep)+" "+itoa(c.SaveEvery), "200 100")
		}},
		{"empty positional is a fresh run", []string{""}, home, func(c Config) string {
			return want(itoa(c.ResumeFromStep), "-1")
		}},
		{"env sets faults", nil, map[string]string{"HOME": "/h", "SIMTRAIN_CRASH_AT_STEP": "12", "SIMTRAIN_CRASH_CODE": "9",
			"SIMTRAIN_HANG_IN_SAVE_AT_STEP": "300", "SIMTRAIN_SAVE_SECONDS": "2.5", "SIMTRAIN_CRASH_ONCE_FILE": "/m"}, func(c Config) string {
			f := c.Faults
			return want(itoa(f.CrashAtStep)+" "+itoa(f.CrashCode)+" "+itoa(f.HangInSaveAtStep)+" "+c.SaveTime.String()+" "+f.CrashOnceFile, "12 9 300 2.5s /m")
		}},
		{"flag beats env", []string{"--step-time=20ms"}, map[string]string{"HOME": "/h", "SIMTRAIN_STEP_TIME": "5"}, func(c Config) string {
			return want(c.StepTime.String(), (20 * time.Millisecond).String())
		}},
		{"checkpoint dir needs no home", []string{"--checkpoint-dir=ck"}, nil, func(c Config) string {
			return want(c.Dir(), "ck")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseArgs(tt.args, envOf(tt.env))
			if err != nil {
				t.Fatalf("ParseArgs: %v", err)
			}
			if msg := tt.check(cfg); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func want(got, want string) string {
	if got != want {
		return "got " + got + ", want " + want
	}
	return ""
}

func TestParseArgsErrors(t *testing.T) {
	home := envOf(map[string]string{"HOME": "/h"})
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"unknown flag", []string{"--nope"}, home, "not defined"},
		{"two positionals", []string{"1", "2"}, home, "at most one positional"},
		{"non-integer step", []string{"abc"}, home, "not an integer"},
		{"conflicting resume steps", []string{"--resume-from-step=100", "200"}, home, "given twice"},
		{"bad env value", nil, envOf(map[string]string{"HOME": "/h", "SIMTRAIN_RANKS": "two"}), "SIMTRAIN_RANKS"},
		{"negative seconds", []string{"--save-seconds=-1"}, home, "out of range"},
		{"nowhere to write", nil, envOf(nil), "no checkpoint directory"},
		{"resume beyond the end", []string{"--num-iterations=10", "20"}, home, "outside -1..10"},
		{"crash code", []string{"--crash-code=300"}, home, "--crash-code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArgs(tt.args, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := ParseArgs([]string{"--help"}, home); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: err = %v, want flag.ErrHelp", err)
	}
}

func TestUserConfigHoldsEveryFlag(t *testing.T) {
	cfg, err := ParseArgs([]string{"--save-every=100", "--step-time=250ms"}, envOf(map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	uc := cfg.userConfig()
	table := newFlagTable(&cfg)
	if len(uc) != len(table.order) {
		t.Errorf("user_config has %d members, want one per flag (%d)", len(uc), len(table.order))
	}
	for i, name := range table.order {
		if got, want := uc[i].Key, strings.ReplaceAll(name, "-", "_"); got != want {
			t.Errorf("member %d = %q, want %q (argparse order and dest names)", i, got, want)
		}
	}
	checks := map[string]any{"save_every": 100, "step_time": PyFloat(0.25), "model_tag": nil, "run": "dummy"}
	for key, want := range checks {
		if got, _ := uc.get(key); got != want {
			t.Errorf("user_config[%s] = %#v, want %#v", key, got, want)
		}
	}
}
