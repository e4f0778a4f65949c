package ckpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Meta is what the supervisor reads from nanochat's meta_S.json. Numbers
// inside the maps are float64 (Python's Infinity/NaN included), as
// encoding/json would decode them.
type Meta struct {
	Step int
	// ValBPB is the most recent validation bpb, nil when the file says
	// null or has no such field. It keeps non-finite values as written
	// (NaN after a divergence); callers that print JSON must check.
	ValBPB      *float64
	ModelConfig map[string]any
	UserConfig  map[string]any
	LoopState   map[string]any
}

// UserInt returns user_config[key] when it is a positive integer, else 0:
// absent, or nanochat's -1 for "only at the end" (save_every), "off"
// (eval_every, core_metric_every) or "computed from the target ratio"
// (num_iterations, whose result meta does not record; the log's "step N/T"
// does).
func (m Meta) UserInt(key string) int {
	v, ok := m.UserConfig[key].(float64)
	if !ok || v < 1 || v != math.Trunc(v) || v > math.MaxInt32 {
		return 0
	}
	return int(v)
}

// ParseMeta decodes a meta_S.json file. It accepts Python's bare Infinity,
// -Infinity and NaN, requires "step" to be a non-negative integer, and
// rejects anything that is not one complete JSON object — in particular a
// file cut short while it was being written.
func ParseMeta(data []byte) (Meta, error) {
	dec := json.NewDecoder(bytes.NewReader(rewritePythonJSON(data)))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return Meta{}, errors.New("empty file")
		case errors.As(err, &typeErr):
			return Meta{}, fmt.Errorf("not a JSON object but %s", typeErr.Value)
		}
		return Meta{}, fmt.Errorf("not valid JSON: %w", err)
	}
	if raw == nil {
		return Meta{}, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Meta{}, errors.New("not valid JSON: data after the top-level object")
	}
	var m Meta
	var err error
	if m.Step, err = metaStep(raw["step"]); err != nil {
		return Meta{}, err
	}
	if m.ValBPB, err = metaValBPB(raw["val_bpb"]); err != nil {
		return Meta{}, err
	}
	for _, f := range []struct {
		key string
		dst *map[string]any
	}{{"model_config", &m.ModelConfig}, {"user_config", &m.UserConfig}, {"loop_state", &m.LoopState}} {
		if *f.dst, err = metaObject(f.key, raw[f.key]); err != nil {
			return Meta{}, err
		}
	}
	return m, nil
}

func metaStep(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		if v == nil {
			return 0, errors.New(`field "step" missing or null`)
		}
		return 0, fmt.Errorf(`field "step" is %T, want an integer`, v)
	}
	step, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || step < 0 || step > maxStep {
		return 0, fmt.Errorf(`field "step" is %s, want a non-negative integer`, n)
	}
	return int(step), nil
}

func metaValBPB(v any) (*float64, error) {
	if v == nil {
		return nil, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf(`field "val_bpb" is %T, want a number or null`, v)
	}
	f, err := numberValue(string(n))
	if err != nil {
		return nil, fmt.Errorf(`field "val_bpb": %w`, err)
	}
	return &f, nil
}

// metaObject returns the object under key with its numbers as float64.
func metaObject(key string, v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("field %q is %T, want an object", key, v)
	}
	return convertNumbers(obj).(map[string]any), nil
}

// convertNumbers replaces every json.Number in v by its float64 value.
// Literals ParseFloat cannot represent become ±Inf, as Python reads them.
func convertNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, _ := numberValue(string(v))
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = convertNumbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = convertNumbers(x)
		}
	}
	return v
}
