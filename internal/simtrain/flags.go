package simtrain

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix names the environment variables that set any flag: --crash-at-step
// is SIMTRAIN_CRASH_AT_STEP. A batch script or a config's env: can set them
// without touching the command line; a flag on the command line wins.
const EnvPrefix = "SIMTRAIN_"

// EnvName is the environment variable for a flag name.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ParseArgs reads the command line the way base_train's argparse does, plus
// the simulation's own flags. Precedence: command line, then SIMTRAIN_*
// variables, then DefaultConfig. A first positional argument is the resume
// step, as the UPPMAX batch scripts pass it ("" means a fresh run).
// NANOCHAT_BASE_DIR (default ~/.cache/nanochat) places the checkpoints.
func ParseArgs(args []string, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	t := newFlagTable(&cfg)
	var positional []string
	for rest := args; ; {
		if err := t.fs.Parse(rest); err != nil {
			return Config{}, err
		}
		rest = t.fs.Args()
		if len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	onCommandLine := map[string]bool{}
	t.fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	for _, name := range t.order {
		v := getenv(EnvName(name))
		if onCommandLine[name] || v == "" {
			continue
		}
		if err := t.fs.Set(name, v); err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", EnvName(name), v, err)
		}
	}
	if err := applyPositional(&cfg, positional, onCommandLine["resume-from-step"]); err != nil {
		return Config{}, err
	}
	cfg.BaseDir = getenv("NANOCHAT_BASE_DIR")
	if cfg.BaseDir == "" && getenv("HOME") != "" {
		cfg.BaseDir = filepath.Join(getenv("HOME"), ".cache", "nanochat")
	}
	return cfg, cfg.Validate()
}

func applyPositional(cfg *Config, positional []string, flagGiven bool) error {
	if len(positional) > 1 {
		return fmt.Errorf("at most one positional argument (the resume step), got %q", positional)
	}
	if len(positional) == 0 || positional[0] == "" {
		return nil
	}
	step, err := strconv.Atoi(positional[0])
	if err != nil {
		return fmt.Errorf("resume step %q: not an integer", positional[0])
	}
	if flagGiven && step != cfg.ResumeFromStep {
		return fmt.Errorf("resume step given twice: positional %d and --resume-from-step=%d", step, cfg.ResumeFromStep)
	}
	cfg.ResumeFromStep = step
	return nil
}

// PrintUsage writes every flag with its default and its environment variable.
func PrintUsage(w io.Writer) {
	cfg := DefaultConfig()
	t := newFlagTable(&cfg)
	fmt.Fprintln(w, "usage: nsv-simtrain [flags] [resume_step]")
	for _, name := range t.order {
		f := t.fs.Lookup(name)
		fmt.Fprintf(w, "  --%s (%s, default %q)\n    \t%s\n", name, EnvName(name), f.DefValue, f.Usage)
	}
}

// userConfig is meta's user_config: every flag under its argparse dest name,
// in definition order, with Python's None for an empty --model-tag.
func (c Config) userConfig() orderedObject {
	t := newFlagTable(&c)
	obj := make(orderedObject, 0, len(t.order))
	for _, name := range t.order {
		var v any = t.fs.Lookup(name).Value.(flag.Getter).Get()
		switch x := v.(type) {
		case float64:
			v = PyFloat(x)
		case time.Duration:
			v = PyFloat(x.Seconds())
		case string:
			if x == "" && name == "model-tag" {
				v = nil
			}
		}
		obj = append(obj, keyValue{strings.ReplaceAll(name, "-", "_"), v})
	}
	return obj
}

// flagTable is a FlagSet that remembers the order flags were defined in,
// which is the order argparse keeps in vars(args).
type flagTable struct {
	fs    *flag.FlagSet
	order []string
}

func (t *flagTable) add(name string) { t.order = append(t.order, name) }

func newFlagTable(c *Config) *flagTable {
	t := &flagTable{fs: flag.NewFlagSet("nsv-simtrain", flag.ContinueOnError)}
	t.fs.SetOutput(io.Discard)
	str := func(p *string, name, usage string) { t.fs.StringVar(p, name, *p, usage); t.add(name) }
	integer := func(p *int, name, usage string) { t.fs.IntVar(p, name, *p, usage); t.add(name) }
	bytes := func(p *int64, name, usage string) { t.fs.Int64Var(p, name, *p, usage); t.add(name) }
	float := func(p *float64, name, usage string) { t.fs.Float64Var(p, name, *p, usage); t.add(name) }
	seconds := func(p *time.Duration, name, usage string) {
		t.fs.Var((*secondsValue)(p), name, usage)
		t.add(name)
	}

	str(&c.Run, "run", "wandb run name (recorded only)")
	integer(&c.Depth, "depth", "depth of the Transformer model")
	integer(&c.AspectRatio, "aspect-ratio", "model_dim = depth * aspect_ratio")
	integer(&c.HeadDim, "head-dim", "target head dimension for attention")
	integer(&c.MaxSeqLen, "max-seq-len", "max context length")
	str(&c.WindowPattern, "window-pattern", "sliding window pattern (recorded only)")
	integer(&c.VocabSize, "vocab-size", "vocabulary size recorded in model_config")
	integer(&c.NumIterations, "num-iterations", "number of optimization steps")
	integer(&c.DeviceBatchSize, "device-batch-size", "per-device batch size (recorded only)")
	integer(&c.TotalBatchSize, "total-batch-size", "total batch size in tokens (tok/sec column)")
	float(&c.WarmupRatio, "warmup-ratio", "ratio of iterations for LR warmup (lrm column)")
	float(&c.WarmdownRatio, "warmdown-ratio", "ratio of iterations for LR warmdown (lrm column)")
	float(&c.FinalLRFrac, "final-lr-frac", "final LR as fraction of initial LR")
	integer(&c.ResumeFromStep, "resume-from-step", "resume training from this step (-1 = disable)")
	integer(&c.EvalEvery, "eval-every", "evaluate val bpb every N steps (-1 = disable)")
	integer(&c.CoreMetricEvery, "core-metric-every", "evaluate CORE metric every N steps (-1 = disable)")
	integer(&c.SampleEvery, "sample-every", "sample every N steps (recorded only)")
	integer(&c.SaveEvery, "save-every", "save checkpoints every N steps (-1 = only at end)")
	str(&c.ModelTag, "model-tag", "checkpoint directory name (default d<depth>)")

	str(&c.CheckpointDir, "checkpoint-dir", "write checkpoints here instead of $NANOCHAT_BASE_DIR/base_checkpoints/<tag>")
	integer(&c.Ranks, "ranks", "simulated world size: one optimizer shard per rank")
	bytes(&c.ModelBytes, "model-bytes", "approximate size of each model_*.pt")
	bytes(&c.OptimBytes, "optim-bytes", "approximate size of each optim shard (0 = 2*model-bytes/ranks)")
	seconds(&c.StepTime, "step-time", "time per training step (seconds or a Go duration)")
	seconds(&c.SaveTime, "save-seconds", "time each checkpoint save takes, written in chunks")
	seconds(&c.EvalTime, "eval-seconds", "time each val_bpb evaluation takes, the log silent")
	seconds(&c.CoreTime, "core-seconds", "time each CORE evaluation takes, the log silent")
	integer(&c.LogEvery, "log-every", "print every N-th step line")
	float(&c.Curve.BPBStart, "bpb-start", "val_bpb at step 0")
	float(&c.Curve.BPBFloor, "bpb-floor", "val_bpb approached at infinity")
	float(&c.Curve.BPBTau, "bpb-tau", "val_bpb decay constant in steps (0 = num_iterations/4)")
	float(&c.Curve.CoreStart, "core-start", "CORE at step 0")
	float(&c.Curve.CoreCeiling, "core-ceiling", "CORE approached at infinity")
	float(&c.Curve.CoreTau, "core-tau", "CORE rise constant in steps (0 = bpb-tau)")
	integer(&c.Faults.CrashAtStep, "crash-at-step", "die with a traceback during training step N")
	integer(&c.Faults.CrashCode, "crash-code", "exit code of --crash-at-step")
	str(&c.Faults.CrashOnceFile, "crash-once-file", "crash/OOM/disk-quota faults fire only while this file is absent; firing creates it")
	integer(&c.Faults.HangAtStep, "hang-at-step", "stop printing and sleep forever at training step N")
	integer(&c.Faults.HangInSaveAtStep, "hang-in-save-at-step", "write half of model_N.pt, then sleep forever")
	str(&c.Faults.HangOnceFile, "hang-once-file", "hang faults fire only while this file is absent; firing creates it")
	integer(&c.Faults.DiskQuotaAtStep, "fail-disk-quota-at-step", "the first save at or after step N dies with Errno 122")
	integer(&c.Faults.CUDAOOMAtStep, "cuda-oom-at-step", "die with torch.OutOfMemoryError during training step N")
	return t
}

// maxSeconds keeps a seconds flag inside time.Duration's range (about 292 years).
const maxSeconds = 1 << 32

// secondsValue is a duration flag that also takes a bare number of seconds
// ("0.5"), which is what a batch script or YAML env: is likeliest to hold.
type secondsValue time.Duration

func (s *secondsValue) String() string { return time.Duration(*s).String() }
func (s *secondsValue) Get() any       { return time.Duration(*s) }

func (s *secondsValue) Set(v string) error {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(f) || f < 0 || f > maxSeconds {
			return fmt.Errorf("%s seconds out of range 0..%d", v, maxSeconds)
		}
		*s = secondsValue(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("want seconds (0.5) or a duration (500ms)")
	}
	*s = secondsValue(d)
	return nil
}
