package notify

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// StallEvent is the event that notify.events' "stall" stands for.
const StallEvent = "run_stalled"

// Defaults for the options.
const (
	DefaultQueueSize = 64
	DefaultTries     = 3
	DefaultBackoff   = 2 * time.Second
	// DefaultMinInterval spaces webhook deliveries: chat services limit
	// incoming webhooks to about one message a second (Slack, Discord)
	// and answer 429 beyond.
	DefaultMinInterval = time.Second
)

// Notifier delivers notifications in the background. The zero value is
// not usable; New with a nil configuration gives one that ignores every
// event. All methods are safe for concurrent use.
type Notifier struct {
	webhook string
	format  string
	command []string
	timeout time.Duration
	events  map[string]bool

	onError   func(error)
	now       func() time.Time
	host      string
	queueSize int
	tries     int
	backoff   time.Duration
	minGap    time.Duration
	lastPost  time.Time // worker only

	started time.Time // makes delivery ids unique across restarts

	mu       sync.Mutex // guards sending on and closing queue, closed, dropped, seq
	seq      uint64
	queue    chan delivery // closed by Close
	closed   bool
	dropped  uint64
	reported uint64 // drops already told to onError (worker only)

	ctx    context.Context // cancelled when Close gives up waiting
	cancel context.CancelFunc
	done   chan struct{}
}

// Option changes a Notifier's defaults before it starts.
type Option func(*Notifier)

// WithOnError receives every delivery failure and queue overflow. It is
// called from the worker goroutine, never from Handle.
func WithOnError(f func(error)) Option { return func(n *Notifier) { n.onError = f } }

// New starts a Notifier for cfg. With a nil cfg (no notify section) it
// returns a Notifier whose Handle does nothing.
func New(cfg *config.Notify, opts ...Option) *Notifier {
	n := &Notifier{
		onError: func(error) {}, now: time.Now,
		queueSize: DefaultQueueSize, tries: DefaultTries, backoff: DefaultBackoff, minGap: DefaultMinInterval,
		done: make(chan struct{}),
	}
	n.host, _ = os.Hostname()
	for _, o := range opts {
		o(n)
	}
	n.started = n.now()
	n.queue = make(chan delivery, n.queueSize)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if cfg == nil || (cfg.Webhook == "" && len(cfg.Command) == 0) {
		close(n.done)
		return n
	}
	n.webhook, n.command, n.timeout = cfg.Webhook, slices.Clone(cfg.Command), cfg.Timeout
	n.format = cfg.WebhookFormat
	if n.timeout <= 0 {
		n.timeout = config.DefaultNotifyTimeout
	}
	events := cfg.Events
	if events == nil {
		events = config.DefaultNotifyEvents
	}
	n.events = map[string]bool{}
	for _, e := range events {
		if e == "stall" {
			e = StallEvent
		}
		n.events[e] = true
	}
	go n.run()
	return n
}

// Wants reports whether the event is one that notifies.
func (n *Notifier) Wants(event string) bool { return n != nil && n.events[event] }

// Handle queues a notification for the event if it is one the
// configuration lists, and returns at once.
func (n *Notifier) Handle(run, event string, fields map[string]any) {
	if !n.Wants(event) {
		return
	}
	d := newDelivery(run, event, fields, n.now(), n.host)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seq++
	d.id = fmt.Sprintf("nsv-%d-%d", n.started.UnixNano(), n.seq)
	if n.closed {
		n.dropped++
		return
	}
	for {
		select {
		case n.queue <- d:
			return
		default: // full: drop the oldest, unless the worker just took it
		}
		select {
		case <-n.queue:
			n.dropped++
		default:
		}
	}
}

// Dropped is the number of notifications dropped because the queue was
// full or the Notifier closed.
func (n *Notifier) Dropped() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dropped
}

// Close stops accepting notifications and waits until the queued ones are
// delivered or ctx ends; then it abandons the rest and says how many.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.queue)
	}
	n.mu.Unlock()
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
	}
	n.cancel() // aborts the delivery in flight and any wait between tries
	<-n.done
	left := len(n.queue)
	return fmt.Errorf("notify: closed with %d notification(s) undelivered: %w", left, ctx.Err())
}

// run is the worker: it delivers queued notifications in order until the
// Notifier is closed and drained, or abandoned.
func (n *Notifier) run() {
	defer close(n.done)
	for d := range n.queue {
		if dropped := n.Dropped(); dropped > n.reported {
			n.onError(fmt.Errorf("notify: queue full: dropped %d notification(s), the oldest first", dropped-n.reported))
			n.reported = dropped
		}
		n.deliver(n.ctx, d)
		if n.ctx.Err() != nil {
			return
		}
	}
}

func (n *Notifier) deliver(ctx context.Context, d delivery) {
	if n.webhook != "" {
		n.pace(ctx)
		if err := n.post(ctx, d); err != nil {
			n.onError(err)
		}
		n.lastPost = time.Now()
	}
	if len(n.command) > 0 {
		if err := n.runCommand(ctx, d); err != nil {
			n.onError(err)
		}
	}
}

// pace waits until minGap has passed since the last webhook delivery: one
// message per decision, never a burst a service would refuse.
func (n *Notifier) pace(ctx context.Context) {
	wait := time.Until(n.lastPost.Add(n.minGap))
	if n.lastPost.IsZero() || wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
