package ckpt

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

func TestParseMeta(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		wantStep  int
		wantVal   string // "nil", or the value formatted with %v
		wantMin   string // loop_state.min_val_bpb formatted with %v, "" if absent
		wantError string
	}{
		{name: "nanochat layout", data: `{"step": 2000, "val_bpb": 0.8123, "loop_state": {"min_val_bpb": 0.8}}`,
			wantStep: 2000, wantVal: "0.8123", wantMin: "0.8"},
		{name: "null val_bpb", data: `{"step": 2000, "val_bpb": null}`, wantStep: 2000, wantVal: "nil"},
		{name: "no val_bpb", data: `{"step": 0}`, wantStep: 0, wantVal: "nil"},
		{name: "Infinity in loop_state", data: `{"step": 10, "val_bpb": null, "loop_state": {"min_val_bpb": Infinity}}`,
			wantStep: 10, wantVal: "nil", wantMin: "+Inf"},
		{name: "-Infinity", data: `{"step": 10, "loop_state": {"min_val_bpb": -Infinity}}`,
			wantStep: 10, wantVal: "nil", wantMin: "-Inf"},
		{name: "NaN val_bpb", data: `{"step": 10, "val_bpb": NaN}`, wantStep: 10, wantVal: "NaN"},
		{name: "words inside strings stay strings", data: `{"step": 10, "user_config": {"run": "NaN Infinity \"-Infinity\" \\"}, "val_bpb": 1.5}`,
			wantStep: 10, wantVal: "1.5"},
		{name: "Python writes 1e400 as Infinity but reads it as inf", data: `{"step": 1, "val_bpb": 1e400}`, wantStep: 1, wantVal: "+Inf"},
		{name: "big step", data: `{"step": 1234567}`, wantStep: 1234567, wantVal: "nil"},

		{name: "empty", data: ``, wantError: "empty file"},
		{name: "whitespace", data: " \n", wantError: "empty file"},
		{name: "cut mid-write", data: `{"step": 2000, "val_bpb": 0.81, "model_config": {"n_la`, wantError: "not valid JSON"},
		{name: "cut after a value", data: `{"step": 2000`, wantError: "not valid JSON"},
		{name: "cut inside Infinity", data: `{"step": 2000, "loop_state": {"min_val_bpb": Infin`, wantError: "not valid JSON"},
		{name: "trailing data", data: `{"step": 1} {"step": 2}`, wantError: "data after the top-level object"},
		{name: "array", data: `[1, 2]`, wantError: "not a JSON object"},
		{name: "null", data: `null`, wantError: "not a JSON object"},
		{name: "step missing", data: `{"val_bpb": 1.0}`, wantError: `"step" missing`},
		{name: "step null", data: `{"step": null}`, wantError: `"step" missing`},
		{name: "step float", data: `{"step": 2000.5}`, wantError: `"step" is 2000.5`},
		{name: "step exponent", data: `{"step": 2e3}`, wantError: `"step" is 2e3`},
		{name: "step negative", data: `{"step": -1}`, wantError: `"step" is -1`},
		{name: "step NaN", data: `{"step": NaN}`, wantError: `"step"`},
		{name: "step string", data: `{"step": "2000"}`, wantError: `"step" is string`},
		{name: "val_bpb string", data: `{"step": 1, "val_bpb": "0.8"}`, wantError: `"val_bpb" is string`},
		{name: "model_config not an object", data: `{"step": 1, "model_config": [1]}`, wantError: `"model_config" is []interface {}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMeta([]byte(tt.data))
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("ParseMeta error = %v, want one containing %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMeta: %v", err)
			}
			if m.Step != tt.wantStep {
				t.Errorf("Step = %d, want %d", m.Step, tt.wantStep)
			}
			gotVal := "nil"
			if m.ValBPB != nil {
				gotVal = formatFloat(*m.ValBPB)
			}
			if gotVal != tt.wantVal {
				t.Errorf("ValBPB = %s, want %s", gotVal, tt.wantVal)
			}
			gotMin := ""
			if v, ok := m.LoopState["min_val_bpb"].(float64); ok {
				gotMin = formatFloat(v)
			}
			if gotMin != tt.wantMin {
				t.Errorf("loop_state.min_val_bpb = %q, want %q", gotMin, tt.wantMin)
			}
		})
	}
}

// formatFloat formats like %v, with NaN as "NaN" and infinities as "+Inf", "-Inf".
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestParseMetaStringsUntouched(t *testing.T) {
	m, err := ParseMeta([]byte(`{"step": 3, "user_config": {"run": "NaN-Infinity \" Infinity"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.UserConfig["run"], `NaN-Infinity " Infinity`; got != want {
		t.Errorf("user_config.run = %q, want %q", got, want)
	}
}

func TestParseMetaFixturesAndGenerated(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "nanochat-ckpt", "meta_*.json"))
	if len(files) == 0 {
		t.Fatal("no fixture meta files")
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseMeta(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n, _ := ParseName(filepath.Base(path))
		if m.Step != n.Step || m.ValBPB == nil || m.UserInt("save_every") != 500 || m.ModelConfig["n_layer"] != 2.0 {
			t.Errorf("%s: got step %d, val_bpb %v, save_every %d, n_layer %v; want step %d, a val_bpb, 500, 2",
				path, m.Step, m.ValBPB, m.UserInt("save_every"), m.ModelConfig["n_layer"], n.Step)
		}
	}
	m, err := ParseMeta(ckpttest.MetaJSON(700, math.NaN(), 0))
	if err != nil {
		t.Fatal(err)
	}
	if m.Step != 700 || m.ValBPB != nil || m.UserInt("save_every") != 0 || !math.IsInf(m.LoopState["min_val_bpb"].(float64), 1) {
		t.Errorf("generated eval-off meta = %+v, want step 700, nil val_bpb, save_every 0, min_val_bpb +Inf", m)
	}
}

func FuzzParseMeta(f *testing.F) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "nanochat-ckpt", "meta_001000.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	f.Add(ckpttest.MetaJSON(700, math.NaN(), 0))
	f.Add([]byte(`{"step": 10, "val_bpb": NaN, "loop_state": {"min_val_bpb": -Infinity}}`))
	f.Add([]byte(`{"step": 10, "s": "NaN \" Infinity \\"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Standard JSON holds the words only inside strings, which the
		// rewrite must leave alone.
		if json.Valid(data) {
			if got := rewritePythonJSON(data); !bytes.Equal(got, data) {
				t.Fatalf("rewrite changed valid JSON %q into %q", data, got)
			}
		}
		if _, err := ParseMeta(data); err != nil {
			return
		}
		// An accepted file cut anywhere before its last non-space byte is
		// a meta file cut mid-write: it must be rejected.
		end := len(bytes.TrimRight(data, " \t\r\n"))
		for n := range end {
			if _, err := ParseMeta(data[:n]); err == nil {
				t.Fatalf("ParseMeta accepted %q, a prefix of %q", data[:n], data)
			}
		}
	})
}
