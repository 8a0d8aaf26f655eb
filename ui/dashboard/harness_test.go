package dashboard

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/steps"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

// harness holds the dashboard as the root model holds it, without a
// terminal and without running any command: it hands it every poll, then
// the observation the root makes of it (common.Observe), keeps a
// Sentinel's repeated reply as the root does, and feeds the session the
// Sentinels' events. The screen is the dashboard's own frame, its header
// on top (no panel beside it).
type harness struct {
	d       *Dashboard
	cfg     common.Config
	styles  common.Styles
	session *steps.Session
	clock   *uitest.Clock
	w       *uitest.World
}

func newHarness(t testing.TB, width, height int, mod func(*common.Config)) *harness {
	clock := &uitest.Clock{T: uitest.T0}
	cfg := uitest.FxConfig(clock)
	if mod != nil {
		mod(&cfg)
	}
	cfg.Defaults()
	h := &harness{cfg: cfg, styles: common.DefaultStyles(true), session: steps.NewSession(), clock: clock, w: uitest.NewWorld(uitest.T0)}
	h.d = New(context.Background(), cfg, &h.styles)
	h.observe(false) // the starting state: nothing has answered yet
	h.d.SetSize(width, height)
	return h
}

func (h *harness) observe(sourcePolled bool) {
	h.d.Update(common.Observe(h.session, h.cfg.Topo, h.d.Snapshot(), h.d.Ready(), sourcePolled))
}

// send hands msg to the dashboard as the root model would, and returns
// its command.
func (h *harness) send(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case common.SentinelPolledMsg:
		if h.d.Repeats(m) {
			return h.d.KeepSentinel(m)
		}
	case common.SentinelEventsMsg:
		for _, e := range m.Events {
			h.session.ObserveEvent(h.cfg.Topo, e)
		}
	}
	cmd := h.d.Update(msg)
	switch m := msg.(type) {
	case common.NodePolledMsg:
		h.observe(m.Which == common.SourceNode)
	case common.SentinelPolledMsg:
		h.observe(false)
	}
	return cmd
}

// round delivers one poll of every endpoint, then moves the clock a tick.
func (h *harness) round() { uitest.Round(h.w, h.clock, h.cfg.Tick, func(msg tea.Msg) { h.send(msg) }) }

func (h *harness) rounds(n int) {
	for range n {
		h.round()
	}
}

// screen is the dashboard's frame without styles.
func (h *harness) screen() string { return ansi.Strip(h.d.View()) }

// event pushes Sentinel events as if the watcher relayed them.
func (h *harness) event(i int, typ, msg string) { h.send(uitest.Event(h.clock, i, typ, msg)) }

// inSyncScreen is the steady state: attached, streaming, in sync, with
// the Sentinels' news of the target.
func inSyncScreen(t testing.TB, w, h int) *harness {
	hs := newHarness(t, w, h, nil)
	uitest.ToInSync(hs.w, hs.clock, hs.cfg.Tick, func(msg tea.Msg) { hs.send(msg) })
	return hs
}
