package events

import (
	"context"
	"sync/atomic"
	"time"

	"flyover/probe"

	"github.com/redis/go-redis/v9"
)

// Watcher relays Pub/Sub events from every Sentinel onto one channel.
// Sends never block: when the reader falls behind, events are dropped and
// counted rather than stalling the subscriptions.
type Watcher struct {
	Events  <-chan Event
	events  chan Event
	dropped atomic.Int64
	cancel  context.CancelFunc
	done    chan struct{}
}

// Dropped is how many events were dropped because the reader was slow.
func (w *Watcher) Dropped() int64 { return w.dropped.Load() }

// WatchSentinels subscribes to every event on each Sentinel until Stop or
// ctx ends (PSUBSCRIBE [-+]*: every event's channel is its type, +sdown,
// -failover-abort-no-good-slave...; the peers' hellos, a message every 2 s
// from each on __sentinel__:hello, would wake flyover for nothing); then Events is closed. Each Sentinel gets its own subscription, reconnected by
// go-redis when the Sentinel goes away and comes back. flyover's own
// "subscribed" and "lost" events are reported with Type "flyover:...".
func WatchSentinels(ctx context.Context, sentinels []*probe.Endpoint) *Watcher {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan Event, 512)
	w := &Watcher{Events: ch, events: ch, cancel: cancel, done: make(chan struct{})}
	finished := make(chan struct{}, len(sentinels))
	for _, e := range sentinels {
		go func() {
			defer func() { finished <- struct{}{} }()
			w.watch(ctx, e)
		}()
	}
	go func() {
		for range sentinels {
			<-finished
		}
		// Every sender has returned: a reader ranging over Events ends.
		close(ch)
		close(w.done)
	}()
	return w
}

// Stop ends every subscription and waits for them to finish.
func (w *Watcher) Stop() {
	w.cancel()
	<-w.done
}

func (w *Watcher) emit(e Event) {
	select {
	case w.events <- e:
	default:
		w.dropped.Add(1)
	}
}

func (w *Watcher) watch(ctx context.Context, e *probe.Endpoint) {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		ps := e.Client().PSubscribe(ctx, "[-+]*")
		// Receive the subscription confirmation within the endpoint's
		// deadline so a silent Sentinel is noticed.
		rctx, cancel := context.WithTimeout(ctx, e.Timeout)
		_, err := ps.Receive(rctx)
		cancel()
		if err != nil {
			ps.Close()
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 250 * time.Millisecond
		w.emit(Event{Time: time.Now(), Sentinel: e.Addr, Type: "flyover:subscribed"})
		w.relay(ctx, e, ps)
		ps.Close()
		if ctx.Err() == nil {
			w.emit(Event{Time: time.Now(), Sentinel: e.Addr, Type: "flyover:subscription-lost"})
		}
	}
}

// relay reads messages until the subscription fails or ctx ends. A quiet
// subscription is checked with PING; no answer to it means the link is
// lost. The check comes after 15 s of silence, not sooner: each one is a
// wake-up of an idle screen, three Sentinels' worth, and the Sentinels'
// polls (every 4 s at the quietest) notice a Sentinel that stops
// answering long before; a subscription that dies with its connection
// closed is noticed at once.
func (w *Watcher) relay(ctx context.Context, e *probe.Endpoint, ps *redis.PubSub) {
	const quiet = 15 * time.Second
	// A read waits for the next message or the quiet's end, whatever
	// ctx says: closing the subscription ends it at once (Stop does not
	// wait out a quiet subscription).
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, quiet)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !probe.IsTimeout(err) || pinged {
				return
			}
			if ps.Ping(ctx) != nil {
				return
			}
			pinged = true
			continue
		}
		pinged = false
		if m, ok := msg.(*redis.Message); ok {
			w.emit(ParseEvent(e.Addr, m.Channel, m.Payload, time.Now()))
		}
	}
}
