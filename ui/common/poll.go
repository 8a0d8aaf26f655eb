package common

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/probe/events"
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

// Which names a data node.
type Which uint8

const (
	SourceNode Which = iota
	TargetNode
)

func (w Which) String() string {
	if w == SourceNode {
		return "source"
	}
	return "target"
}

// NodePolledMsg carries one poll of a data node. Its arrival re-arms that
// node's tick, and nothing else does.
type NodePolledMsg struct {
	Which Which
	Node  probe.Node
}

// SentinelPolledMsg carries one poll of Sentinel i.
type SentinelPolledMsg struct {
	Index int
	View  probe.SentinelView
}

// SentinelEventsMsg carries Pub/Sub events received since the last one.
type SentinelEventsMsg struct {
	Events []events.Event
	Closed bool // the event channel is closed: stop listening
}

// PollNode waits wait (a Pace's NodeDelay, or a plain Wait{Delay: d}),
// then polls the node. The wait lives in the same command as the poll, so
// an endpoint's next poll can only be armed by the arrival of its
// previous result.
func PollNode(ctx context.Context, w Which, p NodePoller, wait Wait) tea.Cmd {
	return func() tea.Msg {
		if !wait.sleep(ctx) {
			return nil
		}
		return NodePolledMsg{Which: w, Node: p.PollNode(ctx)}
	}
}

// PollSentinel waits w (a Pace's Delay, or a plain Wait{Delay: d}), then
// polls Sentinel i.
func PollSentinel(ctx context.Context, i int, p SentinelPoller, master string, w Wait) tea.Cmd {
	return func() tea.Msg {
		if !w.sleep(ctx) {
			return nil
		}
		return SentinelPolledMsg{Index: i, View: p.PollSentinel(ctx, master)}
	}
}

// maxEventBatch bounds how many queued events one message carries, so a
// burst (a failover publishes dozens) costs one redraw, not dozens.
const maxEventBatch = 64

// WaitEvents blocks until the next Sentinel event and returns it with any
// others already queued.
func WaitEvents(ctx context.Context, ch <-chan events.Event) tea.Cmd {
	return func() tea.Msg {
		var first events.Event
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case first, ok = <-ch:
		}
		if !ok {
			return SentinelEventsMsg{Closed: true}
		}
		batch := []events.Event{first}
		for len(batch) < maxEventBatch {
			select {
			case e, ok := <-ch:
				if !ok {
					return SentinelEventsMsg{Events: batch, Closed: true}
				}
				batch = append(batch, e)
			default:
				return SentinelEventsMsg{Events: batch}
			}
		}
		return SentinelEventsMsg{Events: batch}
	}
}

// onGrid is how long to wait, about d, so that the wait ends on a
// multiple of d: every endpoint polled at the same tick lands on the same
// instants, its results arrive together and are drawn in one frame
// instead of one each (five endpoints at two polls a second were ten
// redraws a second). Each endpoint is still re-armed only by its own
// result; the wait is between d/2 and 3d/2, d on average.
func onGrid(now time.Time, d time.Duration) time.Duration { return onSlot(now, d, 0) }

// onSlot is onGrid for instants offset from the multiples of d: a wait
// that ends at a multiple of d plus offset.
func onSlot(now time.Time, d, offset time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	earliest := now.Add(d / 2)
	next := earliest.Add(-offset).Truncate(d).Add(offset)
	if next.Before(earliest) {
		next = next.Add(d)
	}
	return next.Sub(now)
}

// Slots share the polls of many endpoints, each every Every, among
// instants Step apart (Every/Step of them): endpoint i polls at the
// multiples of Every plus (i mod slots)*Step. An idle program's cost
// is its wake-ups, one for each instant something is due and one for
// each reply that lands alone: a fleet of 200 masters polled every 5 s,
// each re-armed by its own reply, drifted to 40 instants a second; in
// slots a tick apart (500 ms) it is 2, 20 masters each, their replies
// landing together.
type Slots struct{ Every, Step time.Duration }

// Wait is how long endpoint i waits, about Every, for its next slot.
func (s Slots) Wait(now time.Time, i int) time.Duration {
	n := 1
	if s.Step > 0 && s.Every > s.Step {
		n = int(s.Every / s.Step)
	}
	return onSlot(now, s.Every, time.Duration(i%n)*s.Step)
}

// Sleep waits d or until ctx ends; it reports whether the wait completed.
func Sleep(ctx context.Context, d time.Duration) bool {
	done, _ := sleepOrWake(ctx, d, nil)
	return done
}

// sleepOrWake waits d, until ctx ends (not done), or until wake closes
// (done and woken; a nil wake never does).
func sleepOrWake(ctx context.Context, d time.Duration, wake <-chan struct{}) (done, woken bool) {
	if d <= 0 {
		return ctx.Err() == nil, false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, false
	case <-t.C:
		return true, false
	case <-wake:
		return true, true
	}
}
