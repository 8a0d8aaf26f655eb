package ui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/ui/checklist"
	"flyover/ui/checklist/checklisttest"
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
	// figures: idleRound moves the source's offset and rate every round
	// (BenchmarkIdleTickFigures).
	figures bool
}

func newHarness(t testing.TB, width, height int, mod func(*common.Config)) *harness {
	clock := &uitest.Clock{T: uitest.T0}
	cfg := uitest.FxConfig(clock)
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
func (h *harness) round() { uitest.Round(h.w, h.clock, h.tick, func(msg tea.Msg) { h.send(msg) }) }

func (h *harness) rounds(n int) {
	for range n {
		h.round()
	}
}

func (h *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

func (h *harness) key(k string) { h.send(uitest.Press(k)) }

// screen is the current view without styles.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

// event pushes Sentinel events as if the watcher relayed them.
func (h *harness) event(i int, typ, msg string) { h.send(uitest.Event(h.clock, i, typ, msg)) }

// rootHost holds the checklist in the root model, beside the dashboard:
// the guided tests of the wiring (layout, keys, the composed screen).
type rootHost struct{ m *Model }

func newRootHost(cfg common.Config, w, h int) checklisttest.Host {
	m := New(context.Background(), cfg)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return &rootHost{m: m}
}

func (r *rootHost) Send(msg tea.Msg) tea.Cmd {
	_, cmd := r.m.Update(msg)
	return cmd
}

// Poll is the root model's own handling of a poll, without the
// endpoint's next poll.
func (r *rootHost) Poll(msg tea.Msg) tea.Cmd {
	_, cmd := r.m.polled(msg)
	r.m.invalidate()
	return cmd
}

func (r *rootHost) Mode() common.Mode               { return r.m.Mode() }
func (r *rootHost) Screen() string                  { return ansi.Strip(r.m.View().Content) }
func (r *rootHost) Frame() string                   { return r.m.View().Content }
func (r *rootHost) Checklist() *checklist.Checklist { return r.m.Checklist() }

// guided is the checklist beside the dashboard in the root model.
type guided struct {
	*checklisttest.Guided
	m *Model
}

func wrapGuided(g *checklisttest.Guided) *guided { return &guided{Guided: g, m: g.Host.(*rootHost).m} }

func newGuided(t *testing.T, w, h int, writer common.Writer, mod func(*common.Config)) *guided {
	return wrapGuided(checklisttest.New(t, newRootHost, w, h, writer, mod))
}

// cutoverRunning is the cutover running beside the dashboard at 120x36.
func cutoverRunning(t *testing.T) *guided {
	return wrapGuided(checklisttest.CutoverRunning(t, newRootHost))
}

// harness is the root model holding g, driven as any other harness: the
// same clock and world.
func (g *guided) harness() *harness {
	return &harness{t: g.T, m: g.m, clock: g.Clock, w: g.W, tick: g.Tick}
}

// roundThrough is one round of polls, each message handed to deliver.
func (h *harness) roundThrough(deliver func(tea.Msg)) { uitest.Round(h.w, h.clock, h.tick, deliver) }
