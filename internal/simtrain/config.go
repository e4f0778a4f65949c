package simtrain

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"
)

// Config is one simulated training run. The first group mirrors nanochat's
// base_train arguments (and is recorded in meta's user_config under the same
// names); the rest shape the simulation and its faults.
type Config struct {
	Run             string
	Depth           int
	AspectRatio     int
	HeadDim         int
	MaxSeqLen       int
	WindowPattern   string
	VocabSize       int
	NumIterations   int
	DeviceBatchSize int
	TotalBatchSize  int
	WarmupRatio     float64
	WarmdownRatio   float64
	FinalLRFrac     float64
	ResumeFromStep  int // -1: a fresh run
	EvalEvery       int // <= 0: never
	CoreMetricEvery int // <= 0: never
	SampleEvery     int
	SaveEvery       int // <= 0: only at the last step
	ModelTag        string

	// CheckpointDir overrides nanochat's $NANOCHAT_BASE_DIR/base_checkpoints/<tag>.
	CheckpointDir string
	// BaseDir is $NANOCHAT_BASE_DIR as resolved by the caller (ParseArgs).
	BaseDir string
	// Ranks is the simulated world size: one optimizer shard per rank.
	Ranks int
	// ModelBytes and OptimBytes size each model file and each optimizer shard
	// (OptimBytes 0: twice the model divided by Ranks, like a sharded AdamW state).
	ModelBytes int64
	OptimBytes int64
	// StepTime is slept per training step; SaveTime spreads each save.
	StepTime time.Duration
	SaveTime time.Duration
	// EvalTime and CoreTime are slept before each val_bpb and each CORE
	// line: nanochat's log is silent while it evaluates.
	EvalTime, CoreTime time.Duration
	// LogEvery prints every n-th "step" line (nanochat prints all of them).
	LogEvery int

	Curve  Curve
	Faults Faults

	// Stderr receives what Python would print on stderr: the checkpoint
	// logger's lines and tracebacks. nil sends them to the stdout writer,
	// which is what a Slurm job without --error sees anyway.
	Stderr io.Writer
}

// DefaultConfig is nanochat's d20 defaults where they exist and a short,
// demo-sized run where nanochat would compute one from scaling laws.
func DefaultConfig() Config {
	return Config{
		Run:             "dummy",
		Depth:           20,
		AspectRatio:     64,
		HeadDim:         128,
		MaxSeqLen:       2048,
		WindowPattern:   "SSSL",
		VocabSize:       32768,
		NumIterations:   1000,
		DeviceBatchSize: 32,
		TotalBatchSize:  524288,
		WarmupRatio:     0,
		WarmdownRatio:   0.2,
		FinalLRFrac:     0,
		ResumeFromStep:  -1,
		EvalEvery:       250,
		CoreMetricEvery: 2000,
		SampleEvery:     2000,
		SaveEvery:       -1,
		Ranks:           1,
		ModelBytes:      64 << 10,
		StepTime:        100 * time.Millisecond,
		LogEvery:        1,
		Curve:           DefaultCurve(),
		Faults:          NoFaults(),
	}
}

// Validate rejects configurations nanochat would reject or the simulation
// cannot honour, naming the offending argument.
func (c Config) Validate() error {
	var errs []error
	if c.NumIterations <= 0 {
		errs = append(errs, fmt.Errorf("--num-iterations must be > 0, got %d", c.NumIterations))
	}
	if c.Depth <= 0 || c.AspectRatio <= 0 || c.HeadDim <= 0 {
		errs = append(errs, fmt.Errorf("--depth, --aspect-ratio and --head-dim must be > 0"))
	}
	if c.Ranks < 1 {
		errs = append(errs, fmt.Errorf("--ranks must be >= 1, got %d", c.Ranks))
	}
	if c.ModelBytes < 0 || c.OptimBytes < 0 {
		errs = append(errs, fmt.Errorf("--model-bytes and --optim-bytes must be >= 0"))
	}
	if c.StepTime < 0 || c.SaveTime < 0 || c.EvalTime < 0 || c.CoreTime < 0 {
		errs = append(errs, fmt.Errorf("--step-time, --save-seconds, --eval-seconds and --core-seconds must be >= 0"))
	}
	if c.ResumeFromStep < -1 || c.ResumeFromStep > c.NumIterations {
		errs = append(errs, fmt.Errorf("--resume-from-step %d outside -1..%d (num_iterations)", c.ResumeFromStep, c.NumIterations))
	}
	if c.Faults.CrashCode < 0 || c.Faults.CrashCode > 255 {
		errs = append(errs, fmt.Errorf("--crash-code must be 0..255, got %d", c.Faults.CrashCode))
	}
	if c.CheckpointDir == "" && c.BaseDir == "" {
		errs = append(errs, errors.New("no checkpoint directory: set --checkpoint-dir or NANOCHAT_BASE_DIR"))
	}
	if err := c.Curve.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Dir is where checkpoints go: nanochat's base_checkpoints/<model-tag or d{depth}>.
func (c Config) Dir() string {
	if c.CheckpointDir != "" {
		return c.CheckpointDir
	}
	tag := c.ModelTag
	if tag == "" {
		tag = fmt.Sprintf("d%d", c.Depth)
	}
	return filepath.Join(c.BaseDir, "base_checkpoints", tag)
}

// optimBytes is the size of one optimizer shard.
func (c Config) optimBytes() int64 {
	if c.OptimBytes > 0 {
		return c.OptimBytes
	}
	return 2 * c.ModelBytes / int64(c.Ranks)
}

// modelConfig is nanochat's GPTConfig for these arguments, in its field order.
func (c Config) modelConfig() orderedObject {
	base := c.Depth * c.AspectRatio
	dim := (base + c.HeadDim - 1) / c.HeadDim * c.HeadDim
	heads := dim / c.HeadDim
	return orderedObject{
		{"sequence_len", c.MaxSeqLen},
		{"vocab_size", c.VocabSize},
		{"n_layer", c.Depth},
		{"n_head", heads},
		{"n_kv_head", heads},
		{"n_embd", dim},
		{"window_pattern", c.WindowPattern},
	}
}

// lrMultiplier is nanochat's learning-rate schedule (linear warmup, constant,
// linear warmdown), so the "lrm:" column looks like a real run's.
func (c Config) lrMultiplier(step int) float64 {
	n := float64(c.NumIterations)
	warmup := math.Round(c.WarmupRatio * n)
	warmdown := math.Round(c.WarmdownRatio * n)
	it := float64(step)
	switch {
	case it < warmup:
		return (it + 1) / warmup
	case it <= n-warmdown:
		return 1
	default:
		progress := (n - it) / warmdown
		return progress + (1-progress)*c.FinalLRFrac
	}
}

func (c Config) isSaveStep(step int) bool {
	if step == c.NumIterations {
		return true
	}
	return step > 0 && step != c.ResumeFromStep && c.SaveEvery > 0 && step%c.SaveEvery == 0
}

func (c Config) isEvalStep(step int) bool {
	return c.EvalEvery > 0 && (step == c.NumIterations || step%c.EvalEvery == 0)
}

func (c Config) isCoreStep(step int) bool {
	return c.CoreMetricEvery > 0 && (step == c.NumIterations || (step > 0 && step%c.CoreMetricEvery == 0))
}
