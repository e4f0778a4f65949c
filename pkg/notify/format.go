package notify

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// webhookRequest is one delivery as an HTTP request, in the shape the
// receiving service documents.
type webhookRequest struct {
	method      string
	url         string
	contentType string
	header      map[string]string
	body        []byte
}

// discordMax is the longest content Discord accepts in one message.
const discordMax = 2000

// requestFor shapes d for the webhook's format:
//
//   - json: the Payload document itself.
//   - slack: an incoming webhook's {"text": ...}.
//   - discord: a webhook's {"content": ..., "username": ...}.
//   - ntfy: the message as a plain-text POST to the topic URL, with Title,
//     Tags and Priority headers.
//   - matrix: a client-server API m.room.message; the URL is the room's
//     .../rooms/ROOM/send/m.room.message (with ?access_token=... or a
//     proxy adding it) and each delivery PUTs to it with its own
//     transaction id, so that a retried delivery posts once.
func requestFor(format, webhook string, d delivery) webhookRequest {
	r := webhookRequest{method: http.MethodPost, url: webhook, contentType: "application/json", body: d.body}
	text := summary(d.payload)
	switch format {
	case config.WebhookSlack:
		r.body = mustJSON(map[string]string{"text": text})
	case config.WebhookDiscord:
		if r := []rune(text); len(r) > discordMax {
			text = string(r[:discordMax-1]) + "…"
		}
		r.body = mustJSON(map[string]string{"content": text, "username": "nanosupervisord"})
	case config.WebhookNtfy:
		r.contentType = "text/plain; charset=utf-8"
		r.body = []byte(text)
		tag, priority := ntfyLook(d.event)
		r.header = map[string]string{
			"Title":    fmt.Sprintf("nanosupervisord: %s %s", d.run, d.event),
			"Tags":     tag,
			"Priority": priority,
		}
	case config.WebhookMatrix:
		r.method = http.MethodPut
		r.url = matrixTxnURL(webhook, d.id)
		r.body = mustJSON(map[string]string{"msgtype": "m.text", "body": text})
	}
	return r
}

// summary is the one-line message of a chat format: who, what, why, and
// the evidence.
func summary(p Payload) string {
	var b strings.Builder
	fmt.Fprintf(&b, "nanosupervisord: run %s: %s", p.Run, p.Event)
	if r := rawText(p.Fields["reason"]); r != "" {
		fmt.Fprintf(&b, " (%s)", r)
	}
	if j := rawText(p.Fields["job_id"]); j != "" {
		fmt.Fprintf(&b, ", job %s", j)
	}
	var evidence []string
	for _, k := range slices.Sorted(maps.Keys(p.Fields)) {
		if k != "run" && k != "reason" && k != "job_id" {
			evidence = append(evidence, k+"="+rawText(p.Fields[k]))
		}
	}
	if len(evidence) > 0 {
		b.WriteString(": " + strings.Join(evidence, " "))
	}
	if p.Host != "" {
		fmt.Fprintf(&b, " [%s]", p.Host)
	}
	return b.String()
}

// rawText prints a JSON value for people: strings without quotes.
func rawText(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v) // maps of strings always encode
	return b
}

// ntfyLook is the emoji short code ntfy shows before the title, and the
// priority: what needs a person now is high.
func ntfyLook(event string) (tag, priority string) {
	switch event {
	case "run_target_reached", "run_done":
		return "white_check_mark", "default"
	case "run_stopped", "job_stuck_pending", StallEvent:
		return "warning", "high"
	}
	return "information_source", "default"
}

// matrixTxnURL appends the transaction id to the room's send URL, before
// its query.
func matrixTxnURL(webhook, txn string) string {
	u, err := url.Parse(webhook)
	if err != nil {
		return webhook
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + url.PathEscape(txn)
	u.RawPath = ""
	return u.String()
}
