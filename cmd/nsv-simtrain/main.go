// Command nsv-simtrain is a simulated nanochat base_train for integration
// tests and the demo: see internal/simtrain. Flags mirror base_train's; every
// flag can also be set as SIMTRAIN_<FLAG> in the environment.
//
// SIGTERM is deliberately not handled: like Python, the process dies at once
// (killed by the signal), possibly in the middle of a checkpoint save.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/nanosupervisord/nanosupervisord/internal/simtrain"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := simtrain.ParseArgs(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		simtrain.PrintUsage(os.Stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "usage: nsv-simtrain [flags] [resume_step] (--help lists the flags)\nnsv-simtrain: error: %v\n", err)
		return 2 // argparse's exit code for bad arguments
	}
	cfg.Stderr = os.Stderr
	err = simtrain.Run(context.Background(), cfg, os.Stdout)
	var exit *simtrain.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.Code
	case err != nil:
		fmt.Fprintf(os.Stderr, "nsv-simtrain: %v\n", err)
		return 1
	}
	return 0
}
