package simtrain

import (
	"archive/zip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// loadError is an exception nanochat's load_checkpoint would raise, spelled
// as Python spells it, so the traceback's last line reads like the real one.
type loadError struct{ exception string }

func (e *loadError) Error() string { return e.exception }

// loadCheckpoint does what load_checkpoint(..., load_optimizer=True) does on
// every rank: open the model, the rank's optimizer shard, then the meta file.
// Any missing or torn file is the exception torch.load or json.load raises.
func loadCheckpoint(dir string, step, ranks int) (Meta, error) {
	if err := loadTorchFile(filepath.Join(dir, modelName(step))); err != nil {
		return Meta{}, err
	}
	for rank := range ranks {
		if err := loadTorchFile(filepath.Join(dir, optimName(step, rank))); err != nil {
			return Meta{}, err
		}
	}
	metaPath := filepath.Join(dir, metaName(step))
	data, err := os.ReadFile(metaPath)
	if err != nil {
		return Meta{}, pythonOSError(metaPath, err)
	}
	meta, err := DecodeMeta(data)
	if err != nil {
		return Meta{}, &loadError{fmt.Sprintf("json.decoder.JSONDecodeError: %s: %v", metaPath, err)}
	}
	return meta, nil
}

// loadTorchFile fails like torch.load on a missing or truncated zip: a
// truncated file has no end-of-central-directory record.
func loadTorchFile(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return pythonOSError(path, err)
		}
		return &loadError{"RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory"}
	}
	defer zr.Close()
	for _, f := range zr.File {
		if filepath.Base(f.Name) == "data.pkl" {
			return nil
		}
	}
	return &loadError{"RuntimeError: PytorchStreamReader failed locating file data.pkl: file not found"}
}

func pythonOSError(path string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return &loadError{fmt.Sprintf("FileNotFoundError: [Errno 2] No such file or directory: '%s'", path)}
	}
	return &loadError{fmt.Sprintf("OSError: %s: %v", path, err)}
}
