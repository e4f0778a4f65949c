package slurmlab

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Cmd runs a Slurm command with a time limit and returns stdout; an error
// carries the command and its stderr.
func Cmd(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Retry is Cmd retried for up to a minute and a half: other users of a
// shared test cluster restart its daemons now and then, and a check must
// not fail for that.
func Retry(name string, args ...string) (string, error) {
	end := time.Now().Add(90 * time.Second)
	for {
		out, err := Cmd(name, args...)
		if err == nil || time.Now().After(end) {
			return out, err
		}
		time.Sleep(2 * time.Second)
	}
}
