// Command mktree writes the checkpoint trees that bench/run.sh times the
// daemon and the baselines on. It is benchmark tooling, run only by the
// harness, which is why it may use ckpttest like a test does; nothing the
// project ships imports it.
//
//	mktree tree DIR STEPS EVERY RANKS   steps EVERY, 2×EVERY, …, each with model, meta and RANKS shards
//	mktree sparse DIR STEP RANKS BYTES  one step whose model is a sparse archive of BYTES
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mktree:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 5 {
		return fmt.Errorf("usage: mktree tree DIR STEPS EVERY RANKS | mktree sparse DIR STEP RANKS BYTES")
	}
	dir := args[1]
	n := make([]int64, 3)
	for i, a := range args[2:] {
		v, err := strconv.ParseInt(a, 10, 64)
		if err != nil || v < 0 {
			return fmt.Errorf("%q is not a non-negative number", a)
		}
		n[i] = v
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	switch args[0] {
	case "tree":
		return ckpttest.WriteTree(dir, int(n[0]), int(n[1]), int(n[2]))
	case "sparse":
		step := int(n[0])
		if err := ckpttest.WriteStep(dir, step, int(n[1]), 0.9); err != nil {
			return err
		}
		return ckpttest.WriteSparseZip(filepath.Join(dir, ckpt.ModelName(step)), ckpttest.Stem, n[2])
	}
	return fmt.Errorf("unknown mode %q: want tree or sparse", args[0])
}
