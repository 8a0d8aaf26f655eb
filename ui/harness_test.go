package ui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

// harness drives a root Model with fixture messages, without a terminal
// and without running any command.
type harness struct {
	t     *testing.T
	m     *Model
	clock *uitest.Clock
	w     *uitest.World
	tick  time.Duration
}

func newHarness(t testing.TB, width, height int, mod func(*common.Config)) *harness {
	clock := &uitest.Clock{T: uitest.T0}
	cfg := common.Config{
		Topo: uitest.FxTopo(), Source: nopNode{}, Target: nopNode{}, Tick: 500 * time.Millisecond,
		InSyncPolls: 3, Now: clock.Now,
	}
	for _, a := range uitest.FxSentinels {
		cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: a, Poller: nopSentinel{}})
	}
	if mod != nil {
		mod(&cfg)
	}
	m := New(context.Background(), cfg)
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	h := &harness{m: m, clock: clock, w: uitest.NewWorld(uitest.T0), tick: cfg.Tick}
	if tt, ok := t.(*testing.T); ok {
		h.t = tt
	}
	return h
}

// round delivers one poll of every endpoint, then moves the clock a tick.
func (h *harness) round() { h.roundThrough(func(msg tea.Msg) { h.send(msg) }) }

// roundThrough is round with each poll handed to deliver.
func (h *harness) roundThrough(deliver func(tea.Msg)) {
	h.w.At = h.clock.Now()
	deliver(common.NodePolledMsg{Which: common.SourceNode, Node: h.w.Source()})
	deliver(common.NodePolledMsg{Which: common.TargetNode, Node: h.w.Target()})
	for i := range uitest.FxSentinels {
		deliver(common.SentinelPolledMsg{Index: i, View: h.w.Sentinel(i)})
	}
	h.clock.Advance(h.tick)
}

func (h *harness) rounds(n int) {
	for range n {
		h.round()
	}
}

func (h *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

func (h *harness) key(k string) {
	var msg tea.KeyPressMsg
	switch k {
	case "ctrl+c":
		msg = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "up":
		msg = tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		msg = tea.KeyPressMsg{Code: tea.KeyDown}
	default:
		r := []rune(k)[0]
		msg = tea.KeyPressMsg{Code: r, Text: k}
	}
	h.send(msg)
}

// screen is the current view without styles.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

// event pushes Sentinel events as if the watcher relayed them.
func (h *harness) event(i int, typ, msg string) {
	e := probe.ParseEvent(uitest.FxSentinels[i], typ, msg, h.clock.Now())
	h.send(common.SentinelEventsMsg{Events: []probe.Event{e}})
}

// nopNode and nopSentinel are pollers for tests that deliver results by
// hand; running their commands would be a test bug.
type nopNode struct{}

func (nopNode) PollNode(context.Context) probe.Node { panic("nopNode polled") }

type nopSentinel struct{}

func (nopSentinel) PollSentinel(context.Context, string) probe.SentinelView {
	panic("nopSentinel polled")
}
