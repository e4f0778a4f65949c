package simtrain

import (
	"math"
	"strconv"
	"strings"
)

// runState is the loop state a run starts from: zero for a fresh run, the
// meta file's for a resumed one (nanochat takes the step from meta too).
type runState struct {
	step              int
	valBPB            *float64
	minValBPB         float64
	smoothTrainLoss   float64
	totalTrainingTime float64
}

func freshState() runState {
	return runState{minValBPB: math.Inf(1)}
}

func stateFromMeta(m Meta) runState {
	s := runState{
		step:              m.Step,
		minValBPB:         float64(m.LoopState.MinValBPB),
		smoothTrainLoss:   float64(m.LoopState.SmoothTrainLoss),
		totalTrainingTime: float64(m.LoopState.TotalTrainingTime),
	}
	if m.ValBPB != nil {
		v := float64(*m.ValBPB)
		s.valBPB = &v
	}
	return s
}

// meta is what save_checkpoint receives at step: the loop state as it
// stands after step's evaluation and before its training step.
func (r *runner) meta(step int) Meta {
	m := Meta{
		Step:            step,
		ModelConfig:     r.cfg.modelConfig(),
		UserConfig:      r.cfg.userConfig(),
		DeviceBatchSize: r.cfg.DeviceBatchSize,
		MaxSeqLen:       r.cfg.MaxSeqLen,
		TotalBatchSize:  r.cfg.TotalBatchSize,
		DataLoader:      dataLoaderAt(step),
		LoopState: LoopState{
			MinValBPB:         PyFloat(r.state.minValBPB),
			SmoothTrainLoss:   PyFloat(r.state.smoothTrainLoss),
			TotalTrainingTime: PyFloat(r.state.totalTrainingTime),
		},
	}
	if r.state.valBPB != nil {
		v := PyFloat(*r.state.valBPB)
		m.ValBPB = &v
	}
	return m
}

// commaInt formats n with thousands separators, as Python's {n:,} does.
func commaInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
