package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// maxOutputShown bounds the command output quoted in an error.
const maxOutputShown = 500

// runCommand runs the user's command once with the payload on its
// standard input and the essentials in its environment, so that a one-line
// shell script need not parse JSON.
func (n *Notifier) runCommand(ctx context.Context, d delivery) error {
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.command[0], n.command[1:]...)
	cmd.Stdin = bytes.NewReader(d.body)
	cmd.Env = append(os.Environ(),
		"NSV_EVENT="+d.event, "NSV_RUN="+d.run, "NSV_REASON="+rawText(d.payload.Fields["reason"]), "NSV_JOB_ID="+rawText(d.payload.Fields["job_id"]))
	var out cappedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	killProcessGroup(cmd)
	// A grandchild holding the output pipe open must not keep us waiting.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	prefix := fmt.Sprintf("notify %s of run %s: command %s", d.event, d.run, n.command[0])
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: killed after the %s timeout", prefix, n.timeout)
	}
	if shown := strings.TrimSpace(out.b.String()); shown != "" {
		return fmt.Errorf("%s: %w: %s", prefix, err, shown)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// cappedBuffer keeps the first maxOutputShown bytes written to it and
// swallows the rest, so a chatty command cannot grow the daemon.
type cappedBuffer struct {
	b bytes.Buffer
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := maxOutputShown - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
