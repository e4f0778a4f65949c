package fakeslurm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

const (
	stateFileName = "state.json"
	lockFileName  = "state.lock"
)

// world is everything the fake cluster knows, stored as one JSON file.
type world struct {
	NextID int `json:"next_id"`
	// AutoRun makes new jobs without a queued outcome start on first sight.
	AutoRun  bool      `json:"auto_run,omitempty"`
	Outcomes []Outcome `json:"outcomes,omitempty"`
	Faults   []Fault   `json:"faults,omitempty"`
	Jobs     []*Job    `json:"jobs"`
}

// job returns the job with id, or nil.
func (w *world) job(id int) *Job {
	for _, j := range w.Jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// withWorld runs fn on the state in dir while holding an exclusive flock,
// then writes the state back atomically unless fn returned an error
// (errUnchanged: nothing to write). The
// lock serialises concurrent sbatch/sacct/control calls; the rename means a
// caller killed mid-write leaves the previous state intact.
func withWorld(dir string, firstID int, fn func(w *world) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	lockPath := filepath.Join(dir, lockFileName)
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("open lock: %w", err)
	}
	defer lock.Close()
	if err := flockRetry(lock, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}
	defer flockRetry(lock, syscall.LOCK_UN) //nolint:errcheck // closing releases it too

	w, err := loadWorld(dir, firstID)
	if err != nil {
		return err
	}
	if err := fn(w); errors.Is(err, errUnchanged) {
		return nil
	} else if err != nil {
		return err
	}
	return saveWorld(dir, w)
}

// errUnchanged tells withWorld that fn changed nothing, so there is
// nothing to write back.
var errUnchanged = errors.New("state unchanged")

// flockRetry calls flock, retrying when a signal interrupts the wait.
func flockRetry(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func loadWorld(dir string, firstID int) (*world, error) {
	path := filepath.Join(dir, stateFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if firstID < 1 {
			firstID = 1
		}
		return &world{NextID: firstID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var w world
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("parse state %s: %w", path, err)
	}
	if w.NextID < 1 {
		w.NextID = 1
	}
	return &w, nil
}

func saveWorld(dir string, w *world) error {
	data, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(dir, stateFileName+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	// No fsync: the rename already keeps the state whole when a caller is
	// killed, and the fake need not survive a power cut.
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, stateFileName)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}
