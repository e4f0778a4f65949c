package simtrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// File names exactly as nanochat's checkpoint_manager writes them.
func modelName(step int) string       { return fmt.Sprintf("model_%06d.pt", step) }
func metaName(step int) string        { return fmt.Sprintf("meta_%06d.json", step) }
func optimName(step, rank int) string { return fmt.Sprintf("optim_%06d_rank%d.pt", step, rank) }

// saveFault is what goes wrong inside one save.
type saveFault int

const (
	saveOK        saveFault = iota
	saveHang                // write half of the model file, then hang
	saveDiskQuota           // write a third of the model file, then fail
)

// saver writes checkpoints the way nanochat's save_checkpoint does: straight
// into the final names, rank 0 writing model, meta, then its optimizer shard
// while every other rank writes its own shard at the same time.
type saver struct {
	dir        string
	ranks      int
	modelBytes int64
	optimBytes int64
	saveTime   time.Duration
	// create opens a file for writing; tests record the order through it.
	create func(path string) (io.WriteCloser, error)
	// logf prints one line of nanochat's checkpoint logger.
	logf func(format string, args ...any)
}

func createFile(path string) (io.WriteCloser, error) { return os.Create(path) }

// save writes step's checkpoint. A fault leaves the files as a killed or
// failing nanochat would; ctx cancellation stops a write where it is.
func (s saver) save(ctx context.Context, step int, meta Meta, fault saveFault) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint dir: %w", err)
	}
	model, err := TorchArchive(modelName(step), s.modelBytes)
	if err != nil {
		return err
	}
	metaJSON, err := EncodeMeta(meta)
	if err != nil {
		return fmt.Errorf("%s: %w", metaName(step), err)
	}
	optim0, err := TorchArchive(optimName(step, 0), s.optimBytes)
	if err != nil {
		return err
	}
	// One rate for every file: rank 0's three files together take saveTime.
	perByte := float64(s.saveTime) / float64(len(model)+len(metaJSON)+len(optim0))
	pace := func(n int) time.Duration { return time.Duration(perByte * float64(n)) }

	others := s.startOtherRanks(ctx, step, pace)
	err = s.saveRank0(ctx, step, fault, model, metaJSON, optim0, pace)
	return errors.Join(err, others())
}

func (s saver) saveRank0(ctx context.Context, step int, fault saveFault, model, metaJSON, optim0 []byte, pace func(int) time.Duration) error {
	modelPath := filepath.Join(s.dir, modelName(step))
	switch fault {
	case saveHang:
		if err := s.writeFile(ctx, modelPath, model[:len(model)/2], pace, true); err != nil {
			return err
		}
	case saveDiskQuota:
		if err := s.writeFile(ctx, modelPath, model[:len(model)/3], pace, false); err != nil {
			return err
		}
		return errDiskQuota
	}
	if err := s.writeFile(ctx, modelPath, model, pace, false); err != nil {
		return err
	}
	s.logf("Saved model parameters to: %s", modelPath)
	metaPath := filepath.Join(s.dir, metaName(step))
	if err := s.writeFile(ctx, metaPath, metaJSON, pace, false); err != nil {
		return err
	}
	s.logf("Saved metadata to: %s", metaPath)
	optimPath := filepath.Join(s.dir, optimName(step, 0))
	if err := s.writeFile(ctx, optimPath, optim0, pace, false); err != nil {
		return err
	}
	s.logf("Saved optimizer state to: %s", optimPath)
	return nil
}

// errDiskQuota tells the run loop to die the way a full quota kills nanochat.
var errDiskQuota = errors.New("disk quota exceeded")

// startOtherRanks writes ranks 1..W-1's optimizer shards concurrently and
// returns a function that waits for them.
func (s saver) startOtherRanks(ctx context.Context, step int, pace func(int) time.Duration) (wait func() error) {
	var wg sync.WaitGroup
	errs := make([]error, s.ranks)
	for rank := 1; rank < s.ranks; rank++ {
		wg.Go(func() {
			name := optimName(step, rank)
			data, err := TorchArchive(name, s.optimBytes)
			if err == nil {
				err = s.writeFile(ctx, filepath.Join(s.dir, name), data, pace, false)
			}
			errs[rank] = err
		})
	}
	return func() error {
		wg.Wait()
		return errors.Join(errs...)
	}
}

// writeFile writes data in chunks paced to the save rate; with hang it then
// blocks, file still open, until ctx ends, as a stuck torch.save would.
func (s saver) writeFile(ctx context.Context, path string, data []byte, pace func(int) time.Duration, hang bool) (err error) {
	f, err := s.create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
	}()
	const chunks = 16
	chunk := max((len(data)+chunks-1)/chunks, 1)
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		if _, err := f.Write(data[off:end]); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := sleep(ctx, pace(end-off)); err != nil {
			return fmt.Errorf("write %s interrupted at byte %d: %w", path, end, err)
		}
	}
	if hang {
		return fmt.Errorf("%w writing %s (%d bytes written): %w", ErrHung, path, len(data), hangUntilDone(ctx))
	}
	return nil
}

// hangUntilDone blocks until ctx ends, which for the command is never: it
// is killed. It sleeps in long timer waits rather than receiving from
// ctx.Done(), which is nil for context.Background() and would make the Go
// runtime abort the process as deadlocked instead of hanging.
func hangUntilDone(ctx context.Context) error {
	for {
		if err := sleep(ctx, time.Hour); err != nil {
			return err
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
