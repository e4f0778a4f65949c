package quota

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Query runs argv (program and arguments) with the given time limit and
// parses its standard output. A command that fails, hangs or prints
// nothing Parse knows is an error naming the command and, when it wrote
// any, the start of its error output.
func Query(ctx context.Context, argv []string, timeout time.Duration) (Left, error) {
	if len(argv) == 0 {
		return Left{}, errors.New("quota command is empty")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child that keeps the pipes open must not hold us past the limit.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return Left{}, fmt.Errorf("quota command %s: no answer within %v", name(argv), timeout)
	case err != nil:
		msg := excerpt(stderr.Bytes())
		if msg == "" {
			return Left{}, fmt.Errorf("quota command %s: %w", name(argv), err)
		}
		return Left{}, fmt.Errorf("quota command %s: %w: %s", name(argv), err, msg)
	}
	left, err := Parse(stdout.Bytes())
	if err != nil {
		return Left{}, fmt.Errorf("quota command %s: %w", name(argv), err)
	}
	return left, nil
}

// name is argv as a person would type it, for messages.
func name(argv []string) string {
	return fmt.Sprintf("%q", strings.Join(argv, " "))
}
