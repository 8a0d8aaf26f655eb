package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
)

// NodePoller reads a data node; *probe.Endpoint is one. A poll must return
// within its own deadline: the dashboard never has two polls of one
// endpoint in flight, so a slow poll only delays that endpoint.
type NodePoller interface {
	PollNode(ctx context.Context) probe.Node
}

// SentinelPoller reads one Sentinel's view of a master; *probe.Endpoint is one.
type SentinelPoller interface {
	PollSentinel(ctx context.Context, master string) probe.SentinelView
}

// Sentinel is one Sentinel the dashboard polls.
type Sentinel struct {
	Addr   string
	Poller SentinelPoller
}

// which names a data node.
type which uint8

const (
	sourceNode which = iota
	targetNode
)

func (w which) String() string {
	if w == sourceNode {
		return "source"
	}
	return "target"
}

// nodePolledMsg carries one poll of a data node. Its arrival re-arms that
// node's tick, and nothing else does.
type nodePolledMsg struct {
	which which
	node  probe.Node
}

// sentinelPolledMsg carries one poll of Sentinel i.
type sentinelPolledMsg struct {
	i    int
	view probe.SentinelView
}

// sentinelEventsMsg carries Pub/Sub events received since the last one.
type sentinelEventsMsg struct {
	events []probe.Event
	closed bool // the event channel is closed: stop listening
}

// pollNode waits delay, then polls the node. The wait lives in the same
// command as the poll, so an endpoint's next poll can only be armed by the
// arrival of its previous result.
func pollNode(ctx context.Context, w which, p NodePoller, delay time.Duration) tea.Cmd {
	return func() tea.Msg {
		if !sleep(ctx, onGrid(time.Now(), delay)) {
			return nil
		}
		return nodePolledMsg{which: w, node: p.PollNode(ctx)}
	}
}

// pollSentinel waits delay, then polls Sentinel i.
func pollSentinel(ctx context.Context, i int, p SentinelPoller, master string, delay time.Duration) tea.Cmd {
	return func() tea.Msg {
		if !sleep(ctx, onGrid(time.Now(), delay)) {
			return nil
		}
		return sentinelPolledMsg{i: i, view: p.PollSentinel(ctx, master)}
	}
}

// maxEventBatch bounds how many queued events one message carries, so a
// burst (a failover publishes dozens) costs one redraw, not dozens.
const maxEventBatch = 64

// waitEvents blocks until the next Sentinel event and returns it with any
// others already queued.
func waitEvents(ctx context.Context, ch <-chan probe.Event) tea.Cmd {
	return func() tea.Msg {
		var first probe.Event
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case first, ok = <-ch:
		}
		if !ok {
			return sentinelEventsMsg{closed: true}
		}
		batch := []probe.Event{first}
		for len(batch) < maxEventBatch {
			select {
			case e, ok := <-ch:
				if !ok {
					return sentinelEventsMsg{events: batch, closed: true}
				}
				batch = append(batch, e)
			default:
				return sentinelEventsMsg{events: batch}
			}
		}
		return sentinelEventsMsg{events: batch}
	}
}

// onGrid is how long to wait, about d, so that the wait ends on a
// multiple of d: every endpoint polled at the same tick lands on the same
// instants, its results arrive together and are drawn in one frame
// instead of one each (five endpoints at two polls a second were ten
// redraws a second). Each endpoint is still re-armed only by its own
// result; the wait is between d/2 and 3d/2, d on average.
func onGrid(now time.Time, d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	earliest := now.Add(d / 2)
	next := earliest.Truncate(d)
	if next.Before(earliest) {
		next = next.Add(d)
	}
	return next.Sub(now)
}

// sleep waits d or until ctx ends; it reports whether the wait completed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
