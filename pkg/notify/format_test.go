package notify

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// request is one request a hook received.
type request struct {
	method, uri string
	header      http.Header
	body        []byte
	at          time.Time
}

func (h *hook) requestList() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]request, len(h.bodies))
	for i := range h.bodies {
		method, uri, _ := strings.Cut(h.methods[i], " ")
		out[i] = request{method, uri, h.headers[i], h.bodies[i], h.times[i]}
	}
	return out
}

var stoppedFields = map[string]any{"run": "d20", "job_id": "4907", "reason": "crash_loop", "attempt": 3, "state": "FAILED"}

const stoppedText = "nanosupervisord: run d20: run_stopped (crash_loop), job 4907: attempt=3 state=FAILED [login1]"

// send delivers one run_stopped notification in format to the service
// (at path) and returns what the service received.
func send(t *testing.T, s *hook, path, format string) []request {
	t.Helper()
	var errs errorLog
	n := newTestNotifier(&config.Notify{Webhook: s.URL + path, WebhookFormat: format, Events: []string{"run_stopped"}, Timeout: 5 * time.Second}, &errs)
	n.Handle("d20", "run_stopped", stoppedFields)
	closeNow(t, n)
	if e := errs.all(); len(e) > 0 {
		t.Fatalf("delivery errors: %v", e)
	}
	return s.requestList()
}

// jsonObject decodes a body that must be a JSON object of strings.
func jsonObject(t *testing.T, r request) map[string]string {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	var m map[string]string
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return m
}

// TestSlackPayload: Slack incoming webhooks take a POST of {"text": ...}.
func TestSlackPayload(t *testing.T) {
	s := newHook(t)
	got := send(t, s, "/services/T000/B000/XXXX", config.WebhookSlack)
	if len(got) != 1 || got[0].method != http.MethodPost || got[0].uri != "/services/T000/B000/XXXX" {
		t.Fatalf("requests = %+v; want one POST to the hook", got)
	}
	if m := jsonObject(t, got[0]); len(m) != 1 || m["text"] != stoppedText {
		t.Errorf("body = %v; want {text: %q}", m, stoppedText)
	}
}

// TestDiscordPayload: Discord webhooks take a POST of {"content": ...}
// (at most 2000 characters) with an optional username.
func TestDiscordPayload(t *testing.T) {
	s := newHook(t)
	got := send(t, s, "/api/webhooks/123/token", config.WebhookDiscord)
	if len(got) != 1 || got[0].method != http.MethodPost {
		t.Fatalf("requests = %+v; want one POST", got)
	}
	m := jsonObject(t, got[0])
	if m["content"] != stoppedText || m["username"] != "nanosupervisord" || len(m) != 2 {
		t.Errorf("body = %v; want content %q and username nanosupervisord", m, stoppedText)
	}
	long := requestFor(config.WebhookDiscord, "https://x", delivery{payload: Payload{Run: "d20", Event: "e", Fields: map[string]json.RawMessage{
		"error": json.RawMessage(`"` + strings.Repeat("x", 3000) + `"`)}}})
	var lm map[string]string
	json.Unmarshal(long.body, &lm)
	if n := len([]rune(lm["content"])); n > discordMax {
		t.Errorf("content of %d characters; Discord takes at most %d", n, discordMax)
	}
}

// TestNtfyPayload: ntfy publishes a plain-text POST body to the topic URL;
// Title, Tags and Priority are headers.
func TestNtfyPayload(t *testing.T) {
	s := newHook(t)
	got := send(t, s, "/nanochat-runs", config.WebhookNtfy)
	if len(got) != 1 || got[0].method != http.MethodPost || got[0].uri != "/nanochat-runs" {
		t.Fatalf("requests = %+v; want one POST to the topic", got)
	}
	r := got[0]
	if string(r.body) != stoppedText {
		t.Errorf("body = %q; want %q", r.body, stoppedText)
	}
	for k, want := range map[string]string{"Content-Type": "text/plain; charset=utf-8", "Title": "nanosupervisord: d20 run_stopped",
		"Tags": "warning", "Priority": "high"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// TestMatrixPayload: the client-server API sends m.room.message events
// with PUT .../send/m.room.message/{txnId}; a retry reuses the txnId, so
// the server posts the message once.
func TestMatrixPayload(t *testing.T) {
	s := newHook(t, http.StatusBadGateway, http.StatusOK)
	const room = "/_matrix/client/v3/rooms/%21abc:example.org/send/m.room.message"
	got := send(t, s, room+"?access_token=tok", config.WebhookMatrix)
	if len(got) != 2 {
		t.Fatalf("%d requests; want a failed one and its retry", len(got))
	}
	for _, r := range got {
		prefix := room + "/nsv-"
		if r.method != http.MethodPut || !strings.HasPrefix(r.uri, prefix) || !strings.HasSuffix(r.uri, "?access_token=tok") {
			t.Errorf("%s %s; want PUT %s{txn}?access_token=tok", r.method, r.uri, prefix)
		}
		m := jsonObject(t, r)
		if m["msgtype"] != "m.text" || m["body"] != stoppedText {
			t.Errorf("body = %v; want msgtype m.text, body %q", m, stoppedText)
		}
	}
	if got[0].uri != got[1].uri {
		t.Errorf("the retry went to %s, the first try to %s: a new transaction id posts twice", got[1].uri, got[0].uri)
	}
}

// TestWebhookPaced: one message per notified decision, spaced by the
// minimum interval, never a burst.
func TestWebhookPaced(t *testing.T) {
	s := newHook(t)
	var errs errorLog
	const gap = 80 * time.Millisecond
	n := newTestNotifier(&config.Notify{Webhook: s.URL, WebhookFormat: config.WebhookSlack, Events: []string{"run_stopped"}, Timeout: 5 * time.Second},
		&errs, func(n *Notifier) { n.minGap = gap })
	for range 3 {
		n.Handle("d20", "run_stopped", stoppedFields)
	}
	closeNow(t, n)
	got := s.requestList()
	if len(got) != 3 {
		t.Fatalf("%d requests for 3 notifications; want one each", len(got))
	}
	for i := 1; i < len(got); i++ {
		if d := got[i].at.Sub(got[i-1].at); d < gap-5*time.Millisecond {
			t.Errorf("requests %d and %d %v apart; want at least %v", i-1, i, d, gap)
		}
	}
}
