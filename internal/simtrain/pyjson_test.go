package simtrain

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"testing"
)

func TestPythonRepr(t *testing.T) {
	tests := []struct {
		in   float64
		want string // what Python's repr(float) prints
	}{
		{0, "0.0"},
		{7100, "7100.0"},
		{1.715778, "1.715778"},
		{3.0500000000000003, "3.0500000000000003"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{-2.5e-7, "-2.5e-07"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{1.5e300, "1.5e+300"},
		{-12.25, "-12.25"},
	}
	for _, tt := range tests {
		if got := pythonRepr(tt.in); got != tt.want {
			t.Errorf("pythonRepr(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodePythonWritesBareNonFinite(t *testing.T) {
	v := map[string]PyFloat{"inf": PyFloat(math.Inf(1)), "neg": PyFloat(math.Inf(-1)), "nan": PyFloat(math.NaN()), "one": 1}
	got, err := encodePython(v)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"inf\": Infinity,\n  \"nan\": NaN,\n  \"neg\": -Infinity,\n  \"one\": 1.0\n}"
	if string(got) != want {
		t.Errorf("encodePython = %s, want %s", got, want)
	}
}

func TestDecodePythonNonFinite(t *testing.T) {
	var got struct {
		A, B, C, D PyFloat
		S          string
	}
	in := `{"A": Infinity, "B": -Infinity, "C": NaN, "D": 0.5, "S": "Infinity NaN \"-Infinity\""}`
	if err := decodePython([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(float64(got.A), 1) || !math.IsInf(float64(got.B), -1) || !math.IsNaN(float64(got.C)) || got.D != 0.5 {
		t.Errorf("got %v %v %v %v, want +Inf -Inf NaN 0.5", got.A, got.B, got.C, got.D)
	}
	if want := `Infinity NaN "-Infinity"`; got.S != want {
		t.Errorf("string member = %q, want %q (words inside strings must stay)", got.S, want)
	}
}

func TestDecodePythonRejectsGarbage(t *testing.T) {
	for _, in := range []string{`{"a": Infinityy}`, `{"a": Inf}`, `{"a": "x"`, `{"a": "1.5"}`} {
		var v struct{ A PyFloat }
		if err := decodePython([]byte(in), &v); err == nil {
			t.Errorf("decodePython(%s) = nil error, want one", in)
		}
	}
}

func TestDecodeMetaOfRealNanochatFile(t *testing.T) {
	data, err := os.ReadFile("testdata/meta_000500.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeMeta(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Step != 500 || m.ValBPB == nil || *m.ValBPB != 1.715778 {
		t.Errorf("step, val_bpb = %d, %v; want 500, 1.715778", m.Step, m.ValBPB)
	}
	if got, want := float64(m.LoopState.TotalTrainingTime), 7100.0; got != want {
		t.Errorf("total_training_time = %v, want %v", got, want)
	}
	if v, ok := m.UserConfig.get("save_every"); !ok || string(v.(json.RawMessage)) != "500" {
		t.Errorf("user_config.save_every = %v, %v; want 500", v, ok)
	}
	// Re-encoding gives back nanochat's own bytes: same order, same float spelling.
	again, err := EncodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, bytes.TrimSpace(data)) {
		t.Errorf("EncodeMeta(DecodeMeta(x)) differs from x:\n%s\nwant\n%s", again, data)
	}
}

func FuzzDecodePython(f *testing.F) {
	for _, seed := range []string{
		`{"loop_state": {"min_val_bpb": Infinity}}`,
		`{"a": -Infinity, "b": NaN, "c": "NaN\\"Infinity"}`,
		`[1, 2.5e-3, null, true, "x"]`,
		`{"a": "\u0000pyfloat:NaN"}`,
		`{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Meta
		_ = decodePython(data, &m) // must not panic on anything
		if json.Valid(data) {
			// Valid JSON has no bare words to replace: it must pass unchanged.
			if got := replaceNonFinite(data); !bytes.Equal(got, data) {
				t.Errorf("replaceNonFinite changed valid JSON %q into %q", data, got)
			}
		}
	})
}
