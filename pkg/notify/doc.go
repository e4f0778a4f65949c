// Package notify tells the user about the events that need them — a run
// reaching its targets, a run stopping, a run stalling — by POSTing a JSON
// payload to a webhook and/or running a command of theirs.
//
// Handle is called from the supervisor's loop and never blocks it: it
// encodes the event and puts it on a bounded queue, dropping the oldest
// notification (and counting it) when the queue is full. A single worker
// delivers in order, each attempt bounded by the configured timeout; a
// webhook is retried with backoff on connection errors, 429 and 5xx, never
// on other 4xx answers, which would fail again the same way. A command
// runs once: it may already have done its work (sent a message) before it
// failed.
//
// This package must never log (errors go to the OnError option), never
// block its caller, and never put the webhook URL, which often embeds a
// secret token, into an error message beyond its scheme and host.
package notify
