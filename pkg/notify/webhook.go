package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// StatusError is a webhook's answer other than 2xx.
type StatusError struct {
	Code int
	Body string // the start of the answer, for the user to see why
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// maxBodyShown bounds the answer quoted in an error.
const maxBodyShown = 200

// post delivers d to the webhook, retrying what may succeed later.
func (n *Notifier) post(ctx context.Context, d delivery) error {
	wait := n.backoff
	for try := 1; ; try++ {
		retry, err := n.postOnce(ctx, d)
		if err == nil {
			return nil
		}
		if !retry || try >= n.tries {
			return fmt.Errorf("notify %s of run %s: webhook %s: %w (try %d of %d)", d.event, d.run, redact(n.webhook), err, try, n.tries)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("notify %s of run %s: webhook %s: %w (abandoned after try %d: %w)", d.event, d.run, redact(n.webhook), err, try, ctx.Err())
		}
		wait *= 2
	}
}

// postOnce makes one attempt; retry says whether another may succeed:
// connection errors, timeouts, 429 and 5xx, but not other 4xx answers.
func (n *Notifier) postOnce(ctx context.Context, d delivery) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	wr := requestFor(n.format, n.webhook, d)
	req, err := http.NewRequestWithContext(ctx, wr.method, wr.url, bytes.NewReader(wr.body))
	if err != nil {
		return false, errors.New("invalid URL")
	}
	req.Header.Set("Content-Type", wr.contentType)
	for k, v := range wr.header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "nanosupervisord")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the whole URL
		}
		return true, err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyShown))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	se := &StatusError{Code: resp.StatusCode, Body: string(bytes.TrimSpace(head))}
	return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, se
}

// redact keeps a URL's scheme and host: paths and queries of webhook URLs
// often are the secret.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
