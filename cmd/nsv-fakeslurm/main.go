// Command nsv-fakeslurm is a fake Slurm for tests. Installed or symlinked
// as sbatch, sacct, squeue or scancel it behaves as that program; as
// nsv-fakeslurm it runs control commands (see nsv-fakeslurm help). State
// lives in $FAKESLURM_DIR. The behaviour is in internal/fakeslurm.
package main

import (
	"os"
	"path/filepath"

	"github.com/nanosupervisord/nanosupervisord/internal/fakeslurm"
)

func main() {
	os.Exit(fakeslurm.Main(filepath.Base(os.Args[0]), os.Args[1:], os.Stdout, os.Stderr))
}
