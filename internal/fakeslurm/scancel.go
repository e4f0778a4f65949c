package fakeslurm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// signalNames are the signals scancel --signal accepts here.
var signalNames = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "KILL": syscall.SIGKILL,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "TERM": syscall.SIGTERM,
	"CONT": syscall.SIGCONT, "STOP": syscall.SIGSTOP,
}

// scancel cancels live jobs (state "CANCELLED by UID"), or with --signal
// only signals them. Like scancel 22.05 (measured, and scancel.c), an id
// that slurmctld does not hold as a live job is silently ignored with exit
// code 0; only -v prints "Kill job error ... Invalid job id specified".
func (e *env) scancel(args []string, _ *bytes.Buffer) int {
	opts, err := parseScancelArgs(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "scancel: error: %v\n", err)
		return 1
	}
	if rc := e.checkCluster("scancel", opts.cluster); rc != 0 {
		return rc
	}
	opts.cluster = e.jobCluster(opts.cluster)
	var invalid []string
	err = e.update(func(w *world) error {
		e.reap(w)
		for _, raw := range opts.ids {
			if opts.verbose {
				fmt.Fprintf(e.stderr, "scancel: Terminating job %s\n", raw)
			}
			id, _ := strconv.Atoi(raw)
			j := w.job(id)
			switch {
			case j == nil || !j.Live() || j.Cluster != opts.cluster:
				invalid = append(invalid, raw)
			case opts.signal != 0:
				if j.Exec != nil && j.State == stateRunning {
					syscall.Kill(-j.Exec.PID, opts.signal)
				}
			default:
				j.finish(cancelledBy(e.uid), "0:0", e.unix())
				e.terminate(j)
			}
		}
		return nil
	})
	if err != nil {
		return e.internalError(err)
	}
	for _, raw := range invalid {
		if opts.verbose {
			fmt.Fprintf(e.stderr, "scancel: error: Kill job error on job id %s: Invalid job id specified\n", raw)
		}
	}
	return 0
}

type scancelOpts struct {
	ids     []string
	signal  syscall.Signal
	verbose bool
	cluster string // -M; "" = the local cluster
}

var scancelValueOpts = map[string]string{"-s": "signal", "--signal": "signal", "-M": "clusters", "--clusters": "clusters"}

func parseScancelArgs(args []string) (scancelOpts, error) {
	var o scancelOpts
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-b" || a == "--batch" || a == "-f" || a == "--full" || a == "-Q" || a == "--quiet":
			continue
		case a == "-v" || a == "--verbose":
			o.verbose = true
			continue
		case !strings.HasPrefix(a, "-"):
			if n, err := strconv.Atoi(a); err != nil || n < 1 {
				return o, fmt.Errorf("Invalid job id %s", a)
			}
			o.ids = append(o.ids, a)
			continue
		}
		name, value, next, err := optionValue(args, i, scancelValueOpts)
		if err != nil {
			return o, err
		}
		i = next
		if name == "clusters" {
			o.cluster = value
			continue
		}
		s, ok := signalNames[strings.TrimPrefix(strings.ToUpper(value), "SIG")]
		if !ok {
			return o, fmt.Errorf("Invalid job signal: %s", value)
		}
		o.signal = s
	}
	if len(o.ids) == 0 {
		return o, fmt.Errorf("No job identification provided")
	}
	return o, nil
}
