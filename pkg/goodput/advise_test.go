package goodput

import (
	"strings"
	"testing"
	"time"
)

func TestAdvise(t *testing.T) {
	// d20 on one L40s: 24 h limit, 5 min to the first step, 2.6 s steps,
	// 90 s per save (checkpoint plus the evaluation that comes with it).
	d20 := AdviceInput{StepTime: 2600 * time.Millisecond, SaveCost: 90 * time.Second,
		TimeLimit: 24 * time.Hour, Restart: 5 * time.Minute}
	tests := []struct {
		name    string
		in      func() AdviceInput
		ok      bool
		want    Advice
		wantStr string
	}{
		{
			name: "every 1000 steps: the 32nd save ends 20 s before the limit, at risk",
			in:   func() AdviceInput { in := d20; in.Current = 1000; return in },
			ok:   true,
			// R = 86100 s, P = 2690 s, n = 32, remainder 20 s < margin 861 s:
			// the last save counts as lost, LossNow = 20 + 2690 s.
			// k = ⌊(86100 - 861 - 32·90) / (32·2.6)⌋ = 989, loss 86100 - 32·2661.4.
			want: Advice{SaveEvery: 989, Current: 1000, SavesPerJob: 32, LossNow: 2710 * time.Second, LossNowSteps: 1042,
				LossAdvised: 935200 * time.Millisecond, LossAdvisedSteps: 359, Margin: 861 * time.Second, AtRisk: true},
			wantStr: "use --save-every 989 (32 saves per job): a TIMEOUT then loses 15m35s (359 steps) instead of " +
				"up to 45m10s (1042 steps) now with --save-every 1000, whose last save ends too near the limit",
		},
		{
			name: "every 800 steps: 24 min lost, 14 with 806",
			in:   func() AdviceInput { in := d20; in.Current = 800; return in },
			ok:   true,
			// P = 2170 s, n = 39, loss 86100 - 84630 = 1470 s.
			want: Advice{SaveEvery: 806, Current: 800, SavesPerJob: 39, LossNow: 1470 * time.Second, LossNowSteps: 565,
				LossAdvised: 86100*time.Second - 39*(806*2600*time.Millisecond+90*time.Second), LossAdvisedSteps: 331,
				Margin: 861 * time.Second},
			wantStr: "use --save-every 806 (39 saves per job): a TIMEOUT then loses 14m22s (331 steps) instead of 24m30s (565 steps) now with --save-every 800",
		},
		{
			name: "saving only at the end: the whole job lost; advice aims at an hour",
			in:   func() AdviceInput { in := d20; in.Current = SaveOnlyAtEnd; return in },
			ok:   true,
			// n = 23 (hours in R), k = ⌊(86100 - 861 - 23·90) / (23·2.6)⌋ = 1390.
			want: Advice{SaveEvery: 1390, Current: SaveOnlyAtEnd, SavesPerJob: 23, LossNow: 86100 * time.Second, LossNowSteps: 33115,
				LossAdvised: 86100*time.Second - 23*(1390*2600*time.Millisecond+90*time.Second), LossAdvisedSteps: 349,
				Margin: 861 * time.Second},
			wantStr: "use --save-every 1390 (23 saves per job): a TIMEOUT then loses 15m8s (349 steps) instead of the whole job (23h55m0s) now, saving only at the end",
		},
		{
			name: "current already fits the limit: keep it",
			in:   func() AdviceInput { in := d20; in.Current = 989; return in },
			ok:   true,
		},
		{
			name: "a one-minute lab job: the margin is a tenth of it",
			in: func() AdviceInput {
				return AdviceInput{StepTime: 100 * time.Millisecond, SaveCost: time.Second, TimeLimit: time.Minute, Current: 130}
			},
			ok: true,
			// R = 60 s, P = 14 s, n = 4, loss 4 s < margin 6 s: at risk, 18 s.
			// k = ⌊(60 - 6 - 4) / 0.4⌋ = 125, loss 60 - 4·13.5 = 6 s.
			want: Advice{SaveEvery: 125, Current: 130, SavesPerJob: 4, LossNow: 18 * time.Second, LossNowSteps: 180,
				LossAdvised: 6 * time.Second, LossAdvisedSteps: 60, Margin: 6 * time.Second, AtRisk: true},
		},
		{name: "no step time", in: func() AdviceInput { in := d20; in.StepTime = 0; return in }},
		{name: "no time limit", in: func() AdviceInput { in := d20; in.TimeLimit = 0; return in }},
		{name: "restart longer than the limit", in: func() AdviceInput { in := d20; in.Restart = 25 * time.Hour; return in }},
		{name: "a limit too short for one step and a save", in: func() AdviceInput {
			return AdviceInput{StepTime: time.Minute, SaveCost: time.Minute, TimeLimit: 2 * time.Minute}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Advise(tt.in())
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if tt.want != (Advice{}) && got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if tt.wantStr != "" && got.String() != tt.wantStr {
				t.Errorf("String() = %q\nwant       %q", got.String(), tt.wantStr)
			}
			if ok && got.LossAdvised > got.LossNow && got.LossNow > 0 {
				t.Errorf("advice loses more (%v) than now (%v)", got.LossAdvised, got.LossNow)
			}
			if ok && got.LossAdvised < got.Margin-tt.in().SaveCost {
				t.Errorf("advised loss %v below the margin %v: the last save would cut into the limit", got.LossAdvised, got.Margin)
			}
		})
	}
	keep, _ := Advise(AdviceInput{StepTime: time.Second, TimeLimit: 1000*time.Second + time.Minute, Current: 100})
	if !keep.Keep || keep.SaveEvery != 100 || !strings.Contains(keep.String(), "--save-every 100 is right") {
		t.Errorf("got %+v %q, want keep 100", keep, keep.String())
	}
}

// A resume from a save step that is also an evaluation step repeats the
// evaluation: the advice moves a round interval off them.
func TestAdviseOffEvaluations(t *testing.T) {
	evals := func(in AdviceInput) AdviceInput {
		in.EvalEvery, in.CoreEvery, in.NumIterations = 250, 2000, 21400
		return in
	}
	tests := []struct {
		name    string
		in      AdviceInput
		want    Advice
		wantStr string
	}{
		{
			name: "the tail alone advises 1000: every save step is a val_bpb step, every other a CORE step; 999 none",
			// R = 1060 s, margin 60 s, one save per job: k = 1000, moved
			// by at most 10 (1% of R), and 999 repeats nothing.
			in: evals(AdviceInput{StepTime: time.Second, TimeLimit: 1060 * time.Second}),
			want: Advice{SaveEvery: 999, SavesPerJob: 1, LossAdvised: 61 * time.Second, LossAdvisedSteps: 61, Margin: time.Minute,
				EvalEvery: 250, CoreEvery: 2000, Repeats: Repeats{Saves: 21},
				ShiftedFrom: 1000, RepeatsFrom: Repeats{Saves: 21, ValBPB: 21, Core: 10}},
			wantStr: "use --save-every 999 (1 save per job): a TIMEOUT then loses 1m1s (61 steps) instead of an unknown amount now; " +
				"999 rather than 1000 keeps save steps off evaluation steps (--eval-every 250, --core-metric-every 2000): " +
				"a resume repeats no evaluation, not val_bpb at 21 and CORE at 10 of 21 save steps",
		},
		{
			name: "the current interval is right for the tail but every other save step is a CORE step: keep it, offer 99",
			// R = 1060 s, 10 saves of 100 s, 60 s lost; 99 steps: 10 saves
			// of 99 s, 70 s lost.
			in: AdviceInput{StepTime: time.Second, TimeLimit: 1060 * time.Second, Current: 100, EvalEvery: 50, CoreEvery: 200, NumIterations: 2000},
			want: Advice{SaveEvery: 99, Current: 100, SavesPerJob: 10, LossNow: time.Minute, LossNowSteps: 60,
				LossAdvised: 70 * time.Second, LossAdvisedSteps: 70, Margin: time.Minute, Keep: true,
				EvalEvery: 50, CoreEvery: 200, Repeats: Repeats{Saves: 20},
				ShiftedFrom: 100, RepeatsFrom: Repeats{Saves: 19, ValBPB: 19, Core: 9}},
			wantStr: "--save-every 100 is right: a TIMEOUT loses 1m0s of training; but a resume repeats val_bpb at 19 and CORE at 9 of 19 save steps " +
				"(--eval-every 50, --core-metric-every 200): --save-every 99 repeats no evaluation, for 10s more per TIMEOUT",
		},
		{
			name: "the goodput campaign's 50, right for the tail though at risk: 49 fits a save more, at risk too, and loses less",
			// R = 177 s, margin 17.7 s. 50: 33 saves of 5.3 s end 2.1 s
			// before the limit, 7.4 s lost. The tail alone would advise
			// 45, moved to 44 (no CORE step), losing 21.9 s: keep 50.
			// 49: 34 saves of 5.2 s end 0.2 s before it, 5.4 s lost.
			in: AdviceInput{StepTime: 100 * time.Millisecond, SaveCost: 300 * time.Millisecond, TimeLimit: 3 * time.Minute,
				Restart: 3 * time.Second, Current: 50, EvalEvery: 50, CoreEvery: 400, NumIterations: 4000},
			want: Advice{SaveEvery: 49, Current: 50, SavesPerJob: 33, LossNow: 7400 * time.Millisecond, LossNowSteps: 74,
				LossAdvised: 5400 * time.Millisecond, LossAdvisedSteps: 54, Margin: 17700 * time.Millisecond, Keep: true, AtRisk: true,
				EvalEvery: 50, CoreEvery: 400, Repeats: Repeats{Saves: 81, ValBPB: 1},
				ShiftedFrom: 50, RepeatsFrom: Repeats{Saves: 79, ValBPB: 79, Core: 9}},
			wantStr: "--save-every 50 is right: a TIMEOUT loses 7.4s of training; but a resume repeats val_bpb at 79 and CORE at 9 of 79 save steps " +
				"(--eval-every 50, --core-metric-every 400): --save-every 49 repeats val_bpb at 1 and CORE at 0 of 81 save steps, and a TIMEOUT loses no more",
		},
		{
			name: "right for the tail, its save steps val_bpb steps but no CORE step: kept as it is",
			in:   AdviceInput{StepTime: time.Second, TimeLimit: 1060 * time.Second, Current: 100, EvalEvery: 50, CoreEvery: 300, NumIterations: 250},
			want: Advice{SaveEvery: 100, Current: 100, SavesPerJob: 10, LossNow: time.Minute, LossNowSteps: 60,
				LossAdvised: time.Minute, LossAdvisedSteps: 60, Margin: time.Minute, Keep: true,
				EvalEvery: 50, CoreEvery: 300, Repeats: Repeats{Saves: 2, ValBPB: 2}},
			wantStr: "--save-every 100 is right: a TIMEOUT loses 1m0s of training",
		},
		{
			name: "d20 every 800: 806 already repeats no evaluation",
			in:   evals(AdviceInput{StepTime: 2600 * time.Millisecond, SaveCost: 90 * time.Second, TimeLimit: 24 * time.Hour, Restart: 5 * time.Minute, Current: 800}),
			want: Advice{SaveEvery: 806, Current: 800, SavesPerJob: 39, LossNow: 1470 * time.Second, LossNowSteps: 565,
				LossAdvised: 86100*time.Second - 39*(806*2600*time.Millisecond+90*time.Second), LossAdvisedSteps: 331,
				Margin: 861 * time.Second, EvalEvery: 250, CoreEvery: 2000, Repeats: Repeats{Saves: 26}},
		},
		{
			name: "num_iterations unknown: no shift",
			in:   AdviceInput{StepTime: time.Second, TimeLimit: 1060 * time.Second, EvalEvery: 250, CoreEvery: 2000},
			want: Advice{SaveEvery: 1000, SavesPerJob: 1, LossAdvised: time.Minute, LossAdvisedSteps: 60, Margin: time.Minute,
				EvalEvery: 250, CoreEvery: 2000},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Advise(tt.in)
			if !ok || got != tt.want {
				t.Errorf("got  %+v, %v\nwant %+v", got, ok, tt.want)
			}
			if tt.wantStr != "" && got.String() != tt.wantStr {
				t.Errorf("String() = %q\nwant       %q", got.String(), tt.wantStr)
			}
		})
	}
}

func TestRepeats(t *testing.T) {
	in := AdviceInput{EvalEvery: 50, CoreEvery: 400, NumIterations: 4000}
	tests := []struct {
		k    int
		want Repeats
	}{
		{50, Repeats{Saves: 79, ValBPB: 79, Core: 9}},
		{49, Repeats{Saves: 81, ValBPB: 1}}, // 2450
		{48, Repeats{Saves: 83, ValBPB: 3, Core: 3}},
		{4000, Repeats{}}, // no save step before the last
	}
	for _, tt := range tests {
		if got := in.repeats(tt.k); got != tt.want {
			t.Errorf("repeats(%d) = %+v, want %+v", tt.k, got, tt.want)
		}
	}
	// The campaign's 50 moves to 49: a lower share of CORE, then val_bpb.
	if got := in.offEvaluations(50, 45); got != 49 {
		t.Errorf("offEvaluations(50, 45) = %d, want 49", got)
	}
}
