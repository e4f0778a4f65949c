package slurm

import "errors"

// ErrNotFound is wrapped by the error of a command whose program is not in
// ExecRunner.BinDir or, without one, not in PATH.
var ErrNotFound = errors.New("slurm program not found")

// Programs are the Slurm programs this package runs.
var Programs = []string{"sbatch", "sacct", "squeue", "scancel"}

// Location is where a Slurm program was found, or why it was not.
type Location struct {
	Name string
	Path string // absolute or as found in PATH; "" when not found
	Err  error
}

// Locate finds every program of Programs the way Run would, without
// running anything.
func (r *ExecRunner) Locate() []Location {
	out := make([]Location, len(Programs))
	for i, name := range Programs {
		path, err := r.resolve(name)
		out[i] = Location{Name: name, Path: path, Err: err}
	}
	return out
}
