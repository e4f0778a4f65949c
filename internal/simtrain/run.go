package simtrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Run simulates one invocation of nanochat's base_train: resume if asked,
// then per step evaluate val_bpb, evaluate CORE, save a checkpoint, stop at
// the last step, train. The log goes to stdout line by line (each line one
// Write, no buffering), so a killed run leaves every line it printed.
//
// It returns nil when the run finished, an *ExitError when the simulated
// Python process dies (a traceback has then been printed), an error wrapping
// ErrHung and ctx.Err() when a hang was cut short by ctx, and other errors
// for a bad Config or a real I/O failure.
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("simtrain: %w", err)
	}
	r := newRunner(cfg, stdout)
	return r.run(ctx)
}

type runner struct {
	cfg    Config
	curve  Curve
	out    io.Writer
	errOut io.Writer
	now    func() time.Time
	saver  saver
	state  runState
}

func newRunner(cfg Config, stdout io.Writer) *runner {
	r := &runner{
		cfg:    cfg,
		curve:  cfg.Curve.resolved(cfg.NumIterations),
		out:    stdout,
		errOut: cfg.Stderr,
		now:    time.Now,
		state:  freshState(),
	}
	if r.errOut == nil {
		r.errOut = stdout
	}
	r.saver = saver{
		dir:        cfg.Dir(),
		ranks:      cfg.Ranks,
		modelBytes: cfg.ModelBytes,
		optimBytes: cfg.optimBytes(),
		saveTime:   cfg.SaveTime,
		create:     createFile,
		logf:       r.logf,
	}
	return r
}

func (r *runner) run(ctx context.Context) error {
	cfg := r.cfg
	r.printf("nsv-simtrain: simulated nanochat base_train (no GPU, no data); checkpoints in %s", r.saver.dir)
	r.printf("Using user-provided number of iterations: %s", commaInt(int64(cfg.NumIterations)))
	if cfg.ResumeFromStep != -1 {
		if err := r.resume(); err != nil {
			return err
		}
	}
	for step := r.state.step; ; step++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.evaluate(ctx, step); err != nil {
			return err
		}
		if cfg.isSaveStep(step) {
			if err := r.save(ctx, step); err != nil {
				return err
			}
		}
		if step == cfg.NumIterations {
			break
		}
		if err := r.train(ctx, step); err != nil {
			return err
		}
	}
	r.printf("Peak memory usage: %.2fMiB", 0.0) // CPU: torch reports no CUDA memory
	r.printf("Total training time: %.2fm", r.state.totalTrainingTime/60)
	if r.state.valBPB != nil {
		r.printf("Minimum validation bpb: %.6f", r.state.minValBPB)
	}
	return nil
}

func (r *runner) resume() error {
	step := r.cfg.ResumeFromStep
	r.printf("Resuming optimization from step %d", step)
	meta, err := loadCheckpoint(r.saver.dir, step, r.cfg.Ranks)
	if le := (*loadError)(nil); errors.As(err, &le) {
		return r.die(1, loadTraceback(le.exception), "resume from step "+fmt.Sprint(step)+": "+le.exception)
	}
	if err != nil {
		return err
	}
	r.state = stateFromMeta(meta)
	if r.state.step < 0 || r.state.step > r.cfg.NumIterations {
		exc := fmt.Sprintf("ValueError: meta step %d is outside 0..num_iterations=%d", r.state.step, r.cfg.NumIterations)
		return r.die(1, loadTraceback(exc), exc)
	}
	return nil
}

// evaluate prints val_bpb and CORE when nanochat would evaluate them,
// each after the time its evaluation takes.
func (r *runner) evaluate(ctx context.Context, step int) error {
	if r.cfg.isEvalStep(step) {
		if err := sleep(ctx, r.cfg.EvalTime); err != nil {
			return err
		}
		v := r.curve.ValBPB(step)
		r.printf("Step %05d | Validation bpb: %.6f", step, v)
		r.state.valBPB = &v
		if v < r.state.minValBPB {
			r.state.minValBPB = v
		}
	}
	if r.cfg.isCoreStep(step) {
		if err := sleep(ctx, r.cfg.CoreTime); err != nil {
			return err
		}
		r.printf("Step %05d | CORE metric: %.4f", step, r.curve.Core(step))
	}
	return nil
}

func (r *runner) save(ctx context.Context, step int) error {
	f := r.cfg.Faults
	fault := saveOK
	if f.HangInSaveAtStep == step {
		ok, err := armed(f.HangOnceFile)
		if err != nil {
			return err
		}
		if ok {
			if err := markFired(f.HangOnceFile, fmt.Sprintf("hung in save at step %d", step)); err != nil {
				return err
			}
			fault = saveHang
		}
	}
	if fault == saveOK && f.DiskQuotaAtStep >= 0 && step >= f.DiskQuotaAtStep {
		ok, err := armed(f.CrashOnceFile)
		if err != nil {
			return err
		}
		if ok {
			fault = saveDiskQuota
		}
	}
	err := r.saver.save(ctx, step, r.meta(step), fault)
	if errors.Is(err, errDiskQuota) {
		if merr := markFired(f.CrashOnceFile, fmt.Sprintf("disk quota at step %d", step)); merr != nil {
			return merr
		}
		return r.die(1, diskQuotaTraceback(), "disk quota exceeded saving step "+fmt.Sprint(step))
	}
	return err
}

// train is one optimisation step: faults first, then the simulated work.
func (r *runner) train(ctx context.Context, step int) error {
	if err := r.trainFaults(ctx, step); err != nil {
		return err
	}
	start := r.now()
	if err := sleep(ctx, r.cfg.StepTime); err != nil {
		return err
	}
	dt := max(r.now().Sub(start).Seconds(), 1e-6)

	const emaBeta = 0.9
	r.state.smoothTrainLoss = emaBeta*r.state.smoothTrainLoss + (1-emaBeta)*r.curve.TrainLoss(step)
	debiased := r.state.smoothTrainLoss / (1 - math.Pow(emaBeta, float64(step+1)))
	if step > 10 {
		r.state.totalTrainingTime += dt // nanochat skips the warm-up steps
	}
	if r.cfg.LogEvery > 0 && step%r.cfg.LogEvery == 0 {
		r.printf("step %05d/%05d (%.2f%%) | loss: %.6f | lrm: %.2f | dt: %.2fms | tok/sec: %s | mfu: %.2f | total time: %.2fm",
			step, r.cfg.NumIterations, 100*float64(step)/float64(r.cfg.NumIterations), debiased,
			r.cfg.lrMultiplier(step), dt*1000, commaInt(int64(float64(r.cfg.TotalBatchSize)/dt)),
			0.0, r.state.totalTrainingTime/60)
	}
	return nil
}

func (r *runner) trainFaults(ctx context.Context, step int) error {
	f := r.cfg.Faults
	if f.HangAtStep == step {
		ok, err := armed(f.HangOnceFile)
		if err != nil {
			return err
		}
		if ok {
			if err := markFired(f.HangOnceFile, fmt.Sprintf("hung at step %d", step)); err != nil {
				return err
			}
			return fmt.Errorf("%w at step %d: %w", ErrHung, step, hangUntilDone(ctx))
		}
	}
	for _, exit := range []struct {
		at   int
		code int
		tb   traceback
	}{
		{f.CrashAtStep, f.CrashCode, crashTraceback(step)},
		{f.CUDAOOMAtStep, 1, cudaOOMTraceback()},
	} {
		if exit.at != step {
			continue
		}
		ok, err := armed(f.CrashOnceFile)
		if err != nil {
			return err
		}
		if ok {
			if err := markFired(f.CrashOnceFile, exit.tb.Exception); err != nil {
				return err
			}
			return r.die(exit.code, exit.tb, exit.tb.Exception)
		}
	}
	return nil
}

// die prints the traceback and returns the ExitError the process exits with.
func (r *runner) die(code int, tb traceback, reason string) error {
	tb.write(r.errOut)
	return &ExitError{Code: code, Reason: reason}
}

func (r *runner) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(r.out, format+"\n", args...)
}

// logf prints a line of nanochat's Python logger (default format, no colour).
func (r *runner) logf(format string, args ...any) {
	stamp := r.now().Format("2006-01-02 15:04:05,000")
	_, _ = fmt.Fprintf(r.errOut, "%s - nanochat.checkpoint_manager - INFO - %s\n", stamp, fmt.Sprintf(format, args...))
}
