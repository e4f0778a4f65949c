package fakeslurm

import (
	"fmt"
	"strconv"
	"time"
)

// ParseFault parses "CMD [--rc N] [--stderr TEXT] [--stdout TEXT]
// [--sleep DUR] [--create] [--times N]" (the arguments of
// nsv-fakeslurm fault). Without --rc the exit code is the command's usual
// failure code, or 0 when the fault only prints --stdout or only sleeps;
// without --stderr a failing call prints the command's real outage message.
func ParseFault(args []string) (Fault, error) {
	if len(args) == 0 || !slurmPrograms[args[0]] {
		return Fault{}, fmt.Errorf("fault: want sbatch, sacct, squeue or scancel first, got %q", args)
	}
	f := Fault{Cmd: args[0], Times: 1}
	rcSet, stderrSet := false, false
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		if rest[i] == "--create" {
			f.Create = true
			continue
		}
		name, value, next, err := optionValue(rest, i, faultValueOpts)
		if err != nil {
			return Fault{}, fmt.Errorf("fault: %w", err)
		}
		i = next
		switch name {
		case "rc":
			f.RC, err = strconv.Atoi(value)
			rcSet = true
		case "stderr":
			f.Stderr, stderrSet = value, true
		case "stdout":
			v := value
			f.Stdout = &v
		case "sleep":
			var d time.Duration
			d, err = time.ParseDuration(value)
			f.SleepMS = d.Milliseconds()
		case "times":
			f.Times, err = strconv.Atoi(value)
			if f.Times == 0 {
				f.Times = -1
			}
		}
		if err != nil {
			return Fault{}, fmt.Errorf("fault: --%s %q: %w", name, value, err)
		}
	}
	if f.Create && f.Cmd != "sbatch" {
		return Fault{}, fmt.Errorf("fault: --create applies to sbatch only")
	}
	onlyDelayOrOutput := (f.Stdout != nil || f.SleepMS > 0) && !stderrSet && !f.Create
	if !rcSet && !onlyDelayOrOutput {
		f.RC = failureRC(f.Cmd)
	}
	f.DefaultStderr = !stderrSet && f.RC != 0
	return f, nil
}

var faultValueOpts = map[string]string{
	"--rc": "rc", "--stderr": "stderr", "--stdout": "stdout", "--sleep": "sleep", "--times": "times",
}

// failureRC is the exit code each program gave when its daemon was down
// (SLURM-FACTS.md: scancel exits 8, the others 1).
func failureRC(cmd string) int {
	if cmd == "scancel" {
		return 8
	}
	return 1
}
