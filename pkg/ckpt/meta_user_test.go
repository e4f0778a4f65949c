package ckpt

import "testing"

// TestMetaUserConfigInts: num_iterations is nanochat's -1 unless the run
// set it; eval_every and core_metric_every are -1 with evaluation off.
// Only positive values count.
func TestMetaUserConfigInts(t *testing.T) {
	tests := []struct {
		json                    string
		iters, evalEvr, coreEvr int
	}{
		{`{"step": 2000, "user_config": {"num_iterations": 21400, "eval_every": 250, "core_metric_every": 2000}}`, 21400, 250, 2000},
		{`{"step": 2000, "user_config": {"num_iterations": -1, "eval_every": -1, "core_metric_every": -1}}`, 0, 0, 0},
		{`{"step": 2000, "user_config": {}}`, 0, 0, 0},
		{`{"step": 2000}`, 0, 0, 0},
	}
	for _, tt := range tests {
		m, err := ParseMeta([]byte(tt.json))
		if err != nil {
			t.Fatalf("ParseMeta(%s): %v", tt.json, err)
		}
		if got, got2, got3 := m.UserInt("num_iterations"), m.UserInt("eval_every"), m.UserInt("core_metric_every"); got != tt.iters || got2 != tt.evalEvr || got3 != tt.coreEvr {
			t.Errorf("%s: NumIterations %d, EvalEvery %d, CoreMetricEvery %d; want %d, %d, %d", tt.json, got, got2, got3, tt.iters, tt.evalEvr, tt.coreEvr)
		}
	}
}
