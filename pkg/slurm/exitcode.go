package slurm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ExitCode is sacct's "code:signal". Slurm shows exit statuses of 128 and
// more minus 128 (a script's "exit 143" appears as 15:0), and a TIMEOUT
// job row always has 0:0, so the state, not this, tells why a job ended.
type ExitCode struct {
	Code   int
	Signal int
}

// maxExitField bounds each half; real values fit in a byte.
const maxExitField = 1 << 16

// ParseExitCode reads "code:signal", e.g. "15:0" or "0:125".
func ParseExitCode(s string) (ExitCode, error) {
	codeText, sigText, ok := strings.Cut(s, ":")
	if !ok {
		return ExitCode{}, fmt.Errorf("exit code %q: want code:signal", s)
	}
	code, err1 := parseSmallUint(codeText, maxExitField)
	sig, err2 := parseSmallUint(sigText, maxExitField)
	if err := errors.Join(err1, err2); err != nil {
		return ExitCode{}, fmt.Errorf("exit code %q: %w", s, err)
	}
	return ExitCode{Code: code, Signal: sig}, nil
}

func (e ExitCode) String() string {
	return strconv.Itoa(e.Code) + ":" + strconv.Itoa(e.Signal)
}

// parseSmallUint accepts only ASCII digits (no sign, no spaces) and values
// up to max, so that odd input can never overflow.
func parseSmallUint(s string, max int) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || len(s) > 10 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if n > uint64(max) {
		return 0, fmt.Errorf("%d is out of range", n)
	}
	return int(n), nil
}
