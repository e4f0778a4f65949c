package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// hook is a webhook server that records what it receives and answers
// with the statuses given, one per request (the last one repeats).
type hook struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	methods  []string    // with the request URI: "PUT /path?query"
	times    []time.Time // when each request arrived
	statuses []int
}

func newHook(t *testing.T, statuses ...int) *hook {
	h := &hook{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.headers = append(h.headers, r.Header.Clone())
		h.methods = append(h.methods, r.Method+" "+r.RequestURI)
		h.times = append(h.times, time.Now())
		status := http.StatusOK
		if len(h.statuses) > 0 {
			status = h.statuses[min(len(h.bodies), len(h.statuses))-1]
		}
		h.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

func (h *hook) events(t *testing.T) []string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		var p Payload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("payload is not JSON: %v: %s", err, b)
		}
		out = append(out, p.Event)
	}
	return out
}

// errorLog collects what OnError receives.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestNotifier(cfg *config.Notify, errs *errorLog, opts ...Option) *Notifier {
	base := []Option{WithOnError(errs.add), func(n *Notifier) {
		n.tries, n.backoff, n.minGap = 3, time.Millisecond, 0
		n.now, n.host = func() time.Time { return epoch }, "login1"
	}}
	return New(cfg, append(base, opts...)...)
}

func closeNow(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestWebhookPayload(t *testing.T) {
	h := newHook(t)
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: h.URL + "/hooks/T000/SECRET", Events: []string{"run_target_reached"}, Timeout: 5 * time.Second}, &errs)
	n.Handle("d20", "run_target_reached", map[string]any{
		"run": "d20", "job_id": "4907", "val_bpb": 0.74, "core_metric": math.NaN(), "newest_step": 21400,
		"hints": []string{"cuda_oom"}, "reason": "target_reached",
	})
	closeNow(t, n)
	if got := h.requests(); got != 1 {
		t.Fatalf("requests: got %d, want 1", got)
	}
	if got := h.headers[0].Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type: got %q", got)
	}
	var got map[string]any
	if err := json.Unmarshal(h.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"event": "run_target_reached", "run": "d20", "time": "2026-03-01T12:00:00Z", "host": "login1",
		"fields": map[string]any{
			"run": "d20", "job_id": "4907", "val_bpb": 0.74, "core_metric": "NaN", "newest_step": float64(21400),
			"hints": []any{"cuda_oom"}, "reason": "target_reached",
		},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("payload:\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if e := errs.all(); len(e) != 0 {
		t.Errorf("errors: %v", e)
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int
		wantRequests int
		wantErr      string // "" = delivered
	}{
		{"500 then success", []int{500, 502, 200}, 3, ""},
		{"503 every time", []int{503}, 3, "HTTP 503: Service Unavailable (try 3 of 3)"},
		{"429 is retried", []int{429, 204}, 2, ""},
		{"400 is not retried", []int{400}, 1, "HTTP 400: Bad Request (try 1 of 3)"},
		{"404 is not retried", []int{404}, 1, "HTTP 404: Not Found (try 1 of 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHook(t, tt.statuses...)
			var errs errorLog
			n := newTestNotifier(&config.Notify{Webhook: h.URL + "/secret-token", Events: []string{"run_stopped"}}, &errs)
			n.Handle("d20", "run_stopped", map[string]any{"reason": "crash_loop"})
			closeNow(t, n)
			if got := h.requests(); got != tt.wantRequests {
				t.Errorf("requests: got %d, want %d", got, tt.wantRequests)
			}
			e := errs.all()
			switch {
			case tt.wantErr == "" && len(e) != 0:
				t.Errorf("errors: got %v, want none", e)
			case tt.wantErr != "" && (len(e) != 1 || !strings.Contains(e[0].Error(), tt.wantErr)):
				t.Errorf("errors: got %v, want one containing %q", e, tt.wantErr)
			case tt.wantErr != "" && strings.Contains(e[0].Error(), "secret-token"):
				t.Errorf("error shows the webhook's secret path: %v", e[0])
			}
			var se *StatusError
			if tt.wantErr != "" && len(e) == 1 && !errors.As(e[0], &se) {
				t.Errorf("error %v does not wrap a *StatusError", e[0])
			}
		})
	}
}

func TestWebhookConnectionRefused(t *testing.T) {
	h := newHook(t)
	url := h.URL + "/secret-token"
	h.Close() // nothing listens there any more
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: url, Events: []string{"run_stopped"}}, &errs)
	n.Handle("d24", "run_stopped", nil)
	closeNow(t, n)
	e := errs.all()
	if len(e) != 1 || !strings.Contains(e[0].Error(), "(try 3 of 3)") || !strings.Contains(e[0].Error(), "notify run_stopped of run d24") {
		t.Fatalf("errors: got %v, want one after 3 tries naming the event and run", e)
	}
	if strings.Contains(e[0].Error(), "secret-token") {
		t.Errorf("error shows the webhook's secret path: %v", e[0])
	}
}

func TestEventFilter(t *testing.T) {
	h := newHook(t)
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: h.URL, Events: []string{"run_stopped", "stall"}}, &errs)
	for _, e := range []string{"run_target_reached", "run_stopped", "job_resubmitted", "run_stalled", "stall"} {
		n.Handle("d20", e, map[string]any{"run": "d20"})
	}
	closeNow(t, n)
	if got, want := strings.Join(h.events(t), ","), "run_stopped,run_stalled"; got != want {
		t.Errorf("delivered: got %s, want %s", got, want)
	}
}

func TestDefaultEvents(t *testing.T) {
	h := newHook(t)
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: h.URL}, &errs) // Events nil: the defaults
	for _, e := range []string{"run_target_reached", "run_stopped", "job_resubmitted", "run_stalled", "checkpoint_dir_missing", "checkpoint_regressed"} {
		n.Handle("d20", e, nil)
	}
	closeNow(t, n)
	if got, want := strings.Join(h.events(t), ","), "run_target_reached,run_stopped,run_stalled,checkpoint_dir_missing,checkpoint_regressed"; got != want {
		t.Errorf("delivered: got %s, want %s", got, want)
	}
}
