package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// stuckHook accepts requests and answers none until released.
type stuckHook struct {
	*httptest.Server
	arrived chan string // the run of each request, as it arrives
	release chan struct{}
	once    sync.Once
}

func newStuckHook(t *testing.T) *stuckHook {
	h := &stuckHook{arrived: make(chan string, 100), release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		run := string(body)
		if i := strings.Index(run, `"run":"`); i >= 0 {
			run = run[i+7:]
			run = run[:strings.IndexByte(run, '"')]
		}
		h.arrived <- run
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		h.unblock()
		h.Close()
	})
	return h
}

func (h *stuckHook) unblock() { h.once.Do(func() { close(h.release) }) }

func waitArrival(t *testing.T, h *stuckHook) string {
	t.Helper()
	select {
	case run := <-h.arrived:
		return run
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook never received the notification")
		return ""
	}
}

// TestHandleNeverBlocks: with the webhook hanging and the queue full,
// Handle still returns at once, dropping the oldest queued notification.
func TestHandleNeverBlocks(t *testing.T) {
	h := newStuckHook(t)
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: h.URL, Events: []string{"run_stopped"}, Timeout: time.Minute}, &errs,
		func(n *Notifier) { n.queueSize = 2 })
	n.Handle("r0", "run_stopped", nil)
	if got := waitArrival(t, h); got != "r0" {
		t.Fatalf("first delivery: got run %q, want r0", got)
	}
	// r0 is in flight and stuck; r1..r5 arrive while the queue holds two.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, run := range []string{"r1", "r2", "r3", "r4", "r5"} {
			n.Handle(run, "run_stopped", nil)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Handle blocked while the webhook hung")
	}
	if got, want := n.Dropped(), uint64(3); got != want {
		t.Errorf("Dropped: got %d, want %d", got, want)
	}
	h.unblock()
	closeNow(t, n)
	var delivered []string
	for len(h.arrived) > 0 {
		delivered = append(delivered, <-h.arrived)
	}
	if got, want := strings.Join(delivered, ","), "r4,r5"; got != want {
		t.Errorf("delivered after r0: got %s, want %s (the newest two)", got, want)
	}
	e := errs.all()
	if len(e) != 1 || !strings.Contains(e[0].Error(), "dropped 3 notification(s)") {
		t.Errorf("errors: got %v, want one saying 3 were dropped", e)
	}
}

// TestCloseDeadline: Close gives up at its deadline, aborting the stuck
// delivery, and says how many were left.
func TestCloseDeadline(t *testing.T) {
	h := newStuckHook(t)
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: h.URL, Events: []string{"run_stopped"}, Timeout: time.Minute}, &errs)
	n.Handle("r0", "run_stopped", nil)
	waitArrival(t, h)
	n.Handle("r1", "run_stopped", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := n.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 notification(s) undelivered") {
		t.Errorf("Close: got %v, want a deadline error counting 1 undelivered", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Close took %s after its deadline of 100ms", elapsed)
	}
	if e := errs.all(); len(e) != 1 || !errors.Is(e[0], context.Canceled) {
		t.Errorf("errors: got %v, want the abandoned delivery", e)
	}
	n.Handle("r2", "run_stopped", nil) // after Close: ignored, not a panic
	if got := n.Dropped(); got != 1 {
		t.Errorf("Dropped after a Handle past Close: got %d, want 1", got)
	}
}

func TestNilConfig(t *testing.T) {
	for _, cfg := range []*config.Notify{nil, {Events: []string{"run_stopped"}}} {
		n := New(cfg)
		n.Handle("d20", "run_stopped", map[string]any{"reason": "crash_loop"})
		if n.Wants("run_stopped") {
			t.Errorf("New(%+v) wants run_stopped with nowhere to send it", cfg)
		}
		if err := n.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	var nilNotifier *Notifier
	if nilNotifier.Wants("run_stopped") {
		t.Error("a nil Notifier wants events")
	}
}
