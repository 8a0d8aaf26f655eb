package uitest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/probe/events"
	"flyover/ui/common"
)

// What the rooms' harnesses share: the fixtures' polls as messages, the
// pollers of tests that deliver them by hand, a command run as the
// program would, and the digest of polls a room gets from the root.

// Round delivers one poll of every endpoint of w, as of the clock's now,
// in the order the root model's harnesses always have (source, target,
// each Sentinel), then moves the clock a tick.
func Round(w *World, clock *Clock, tick time.Duration, deliver func(tea.Msg)) {
	w.At = clock.Now()
	deliver(common.NodePolledMsg{Which: common.SourceNode, Node: w.Source()})
	deliver(common.NodePolledMsg{Which: common.TargetNode, Node: w.Target()})
	for i := range FxSentinels {
		deliver(common.SentinelPolledMsg{Index: i, View: w.Sentinel(i)})
	}
	clock.Advance(tick)
}

// TargetListed are the three Sentinels' +slave events for the target, as
// the watcher relays them once it is registered, at the clock's now.
func TargetListed(clock *Clock) []common.SentinelEventsMsg {
	var out []common.SentinelEventsMsg
	for i := range FxSentinels {
		out = append(out, Event(clock, i, "+slave", "slave 127.0.0.1:7002 127.0.0.1 7002 @ flyover 127.0.0.1 7001"))
	}
	return out
}

// Event is Sentinel i's event typ msg, relayed at the clock's now.
func Event(clock *Clock, i int, typ, msg string) common.SentinelEventsMsg {
	return common.SentinelEventsMsg{Events: []events.Event{events.ParseEvent(FxSentinels[i], typ, msg, clock.Now())}}
}

// NopNode and NopSentinel are pollers for tests that deliver results by
// hand; running their commands would be a test bug.
type NopNode struct{}

func (NopNode) PollNode(context.Context) probe.Node { panic("NopNode polled") }

type NopSentinel struct{}

func (NopSentinel) PollSentinel(context.Context, string) probe.SentinelView {
	panic("NopSentinel polled")
}

// IdlePoller never answers: the tests deliver polls by hand, and a poll
// command a test runs by accident (the checklist's batches) waits for its
// context instead.
type IdlePoller struct{}

func (IdlePoller) PollNode(ctx context.Context) probe.Node { <-ctx.Done(); return probe.Node{} }
func (IdlePoller) PollSentinel(ctx context.Context, _ string) probe.SentinelView {
	<-ctx.Done()
	return probe.SentinelView{}
}

// Collect runs cmd and every command of its batches concurrently, and
// returns the messages that arrive within a moment: starts and mode
// switches come at once, ticks later (and are dropped).
func Collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 256)
	var pending sync.WaitGroup
	var launch func(tea.Cmd)
	launch = func(c tea.Cmd) {
		pending.Add(1)
		go func() {
			defer pending.Done()
			m := c()
			if b, ok := m.(tea.BatchMsg); ok {
				for _, c := range b {
					if c != nil {
						launch(c)
					}
				}
				return
			}
			select {
			case ch <- m:
			default:
			}
		}()
	}
	launch(cmd)
	all := make(chan struct{})
	go func() { pending.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(50 * time.Millisecond):
	}
	var out []tea.Msg
	for {
		select {
		case m := <-ch:
			out = append(out, m)
		default:
			return out
		}
	}
}

// CountingNode is a NodePoller that counts its polls and how many of them
// overlapped, each answering "test poller" after Delay, or, with Hang
// set, when Hang closes or the poll's context ends. Started, when set,
// receives once per poll start.
type CountingNode struct {
	Addr    string
	Delay   time.Duration
	Hang    chan struct{}
	Started chan struct{}

	mu      sync.Mutex
	active  int
	maxSeen int
	polls   atomic.Int64
}

func (c *CountingNode) PollNode(ctx context.Context) probe.Node {
	c.mu.Lock()
	c.active++
	c.maxSeen = max(c.maxSeen, c.active)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.active--
		c.mu.Unlock()
	}()
	if c.Started != nil {
		select {
		case c.Started <- struct{}{}:
		default:
		}
	}
	if c.Hang != nil {
		select {
		case <-c.Hang:
		case <-ctx.Done():
		}
	} else {
		common.Sleep(ctx, c.Delay)
	}
	c.polls.Add(1)
	return probe.Node{Addr: c.Addr, PolledAt: time.Now(), Error: c.Addr + ": test poller"}
}

// Polls is how many polls have returned.
func (c *CountingNode) Polls() int64 { return c.polls.Load() }

// MaxInFlight is the most polls that ran at once; a poll started before
// the program quit may still be running.
func (c *CountingNode) MaxInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxSeen
}

// FxConfig is the fixtures' configuration on clock: their topology, a
// tick of 500 ms, the badge after 3 in-sync polls, and pollers that must
// never run (tests deliver the polls by hand).
func FxConfig(clock *Clock) common.Config {
	cfg := common.Config{
		Topo: FxTopo(), Source: NopNode{}, Target: NopNode{}, Tick: 500 * time.Millisecond,
		InSyncPolls: 3, Now: clock.Now,
	}
	for _, a := range FxSentinels {
		cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: a, Poller: NopSentinel{}})
	}
	return cfg
}

// ToInSync brings the world to its steady state through deliver: eight
// rounds (attached, streaming, in sync), then the Sentinels' news of the
// target.
func ToInSync(w *World, clock *Clock, tick time.Duration, deliver func(tea.Msg)) {
	for range 8 {
		Round(w, clock, tick, deliver)
	}
	for _, e := range TargetListed(clock) {
		deliver(e)
	}
}
