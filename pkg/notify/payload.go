package notify

import (
	"encoding/json"
	"fmt"
	"time"
)

// Payload is the JSON document a webhook receives and a command reads on
// its standard input.
type Payload struct {
	Event  string                     `json:"event"`
	Run    string                     `json:"run"`
	Fields map[string]json.RawMessage `json:"fields"`
	Time   time.Time                  `json:"time"`
	Host   string                     `json:"host"`
}

// delivery is one encoded notification on the queue. It holds bytes, not
// the caller's map, so that nothing the caller does afterwards can change
// or race with it.
type delivery struct {
	event, run string
	body       []byte
	payload    Payload // body, decoded (its fields are copies)
	// id is unique per notification of this process: a Matrix transaction
	// id, the same on every retry.
	id string
}

func newDelivery(run, event string, fields map[string]any, now time.Time, host string) delivery {
	p := Payload{Event: event, Run: run, Fields: make(map[string]json.RawMessage, len(fields)), Time: now.UTC(), Host: host}
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			// What JSON cannot hold (NaN, +Inf) goes as the string Go prints for it.
			b, _ = json.Marshal(fmt.Sprint(v))
		}
		p.Fields[k] = b
	}
	body, _ := json.Marshal(p) // every field is valid JSON by now
	return delivery{event: event, run: run, body: body, payload: p}
}
