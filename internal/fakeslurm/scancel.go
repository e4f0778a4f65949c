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
// only signals them. Like scancel 22.05, an id that slurmctld does not hold
// as a live job is "Invalid job id specified" and makes the exit code 1;
// the other ids are still handled.
func (e *env) scancel(args []string, _ *bytes.Buffer) int {
	ids, sig, err := parseScancelArgs(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "scancel: error: %v\n", err)
		return 1
	}
	rc := 0
	err = e.update(func(w *world) error {
		e.reap(w)
		for _, raw := range ids {
			id, _ := strconv.Atoi(raw)
			j := w.job(id)
			if j == nil || !j.Live() {
				fmt.Fprintf(e.stderr, "scancel: error: Kill job error on job id %s: Invalid job id specified\n", raw)
				rc = 1
				continue
			}
			if sig != 0 {
				if j.Exec != nil && j.State == stateRunning {
					syscall.Kill(-j.Exec.PID, sig)
				}
				continue
			}
			j.finish(cancelledBy(e.uid), "0:0", e.unix())
			e.terminate(j)
		}
		return nil
	})
	if err != nil {
		return e.internalError(err)
	}
	return rc
}

var scancelValueOpts = map[string]string{"-s": "signal", "--signal": "signal"}

func parseScancelArgs(args []string) (ids []string, sig syscall.Signal, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-b" || a == "--batch" || a == "-f" || a == "--full" || a == "-Q" || a == "--quiet":
			continue
		case !strings.HasPrefix(a, "-"):
			if n, err := strconv.Atoi(a); err != nil || n < 1 {
				return nil, 0, fmt.Errorf("Invalid job id %s", a)
			}
			ids = append(ids, a)
			continue
		}
		_, value, next, err := optionValue(args, i, scancelValueOpts)
		if err != nil {
			return nil, 0, err
		}
		i = next
		s, ok := signalNames[strings.TrimPrefix(strings.ToUpper(value), "SIG")]
		if !ok {
			return nil, 0, fmt.Errorf("Invalid job signal: %s", value)
		}
		sig = s
	}
	if len(ids) == 0 {
		return nil, 0, fmt.Errorf("No job identification provided")
	}
	return ids, sig, nil
}
