package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/steps"
	"flyover/ui/checklist"
	"flyover/ui/common"
)

// benchScreen is a busy dashboard at 160x48: full trend history, a long
// timeline, every section on screen.
func benchScreen(b *testing.B) *harness {
	hs := newHarness(b, 160, 48, nil)
	for i := range hs.m.Dash.History.Cap() + 10 {
		hs.w.SrcOffset += int64(1000 + i%7*300)
		hs.w.AckedOffset = hs.w.SrcOffset - int64(i%5*100)
		hs.w.SrcOps = int64(10000 + i%50*40)
		hs.round()
	}
	for i := range 200 {
		hs.event(i%3, "+sdown", fmt.Sprintf("slave 127.0.0.1:%d 127.0.0.1 %d @ flyover 127.0.0.1 7001", 9000+i, 9000+i))
	}
	return hs
}

// benchFrames times, per iteration, msg through Update (none when nil)
// and then, with view, the frame View hands over.
func benchFrames(b *testing.B, m *Model, msg tea.Msg, view bool) {
	b.ReportAllocs()
	for b.Loop() {
		if msg != nil {
			m.Update(msg)
		}
		if view {
			_ = m.View()
		}
	}
}

// BenchmarkView is a frame when nothing changed since the last one: View
// runs after every message.
func BenchmarkView(b *testing.B) { benchFrames(b, benchScreen(b).m, nil, true) }

// BenchmarkPollUpdate is the cost of one poll result in Update: Derive
// and the timeline (the frame is rendered in the next View: Redraw).
func BenchmarkPollUpdate(b *testing.B) {
	hs := benchScreen(b)
	benchFrames(b, hs.m, common.NodePolledMsg{Which: common.SourceNode, Node: hs.w.Source()}, false)
}

// BenchmarkViewGuided is a frame with the checklist beside the dashboard
// while the cutover runs, nothing changed since the last one.
func BenchmarkViewGuided(b *testing.B) { benchFrames(b, cutoverRunning(&testing.T{}).m, nil, true) }

// BenchmarkJobTick is what one progress tick of a running step costs in
// Update (the frame is rendered in the next View: RedrawGuided).
func BenchmarkJobTick(b *testing.B) {
	benchFrames(b, cutoverRunning(&testing.T{}).m, checklist.JobTickMsg{}, false)
}

// BenchmarkPollUpdateGuided is one poll result with the checklist: the
// dashboard's work plus the plan derived again and the panel rendered.
func BenchmarkPollUpdateGuided(b *testing.B) {
	g := cutoverRunning(&testing.T{})
	benchFrames(b, g.m, common.NodePolledMsg{Which: common.SourceNode, Node: g.W.Source()}, false)
}

// BenchmarkRedraw is one poll result and the frame that shows it: Update
// then View, what the terminal waits for.
func BenchmarkRedraw(b *testing.B) {
	hs := benchScreen(b)
	benchFrames(b, hs.m, common.NodePolledMsg{Which: common.SourceNode, Node: hs.w.Source()}, true)
}

// BenchmarkRedrawGuided is one progress tick of the running cutover and
// the frame that shows it.
func BenchmarkRedrawGuided(b *testing.B) {
	benchFrames(b, cutoverRunning(&testing.T{}).m, checklist.JobTickMsg{}, true)
}

// BenchmarkWaitStepSecond is one second of a running wait (steady state)
// beside the dashboard at 120x36, with nothing else happening: the
// progress ticks the checklist arms in a second, each read and drawn.
// ns/op is CPU per second of waiting: 1e7 ns/op would be 1% of a core.
func BenchmarkWaitStepSecond(b *testing.B) {
	g := newGuided(&testing.T{}, 120, 36, nil, func(c *common.Config) { c.ReadOnly = true })
	g.W.SrcOffset += 10 << 20 // behind: the steady-state wait runs
	g.Round()
	g.FinishJobs()
	for i := 0; g.C.Running() == nil; i++ {
		if i > 20 {
			b.Fatal("no wait started")
		}
		g.Round()
	}
	if !steps.Lookup(g.C.RunningID()).Watches {
		b.Fatalf("%s runs, not a wait", g.C.RunningID())
	}
	every := g.C.TickEvery()
	b.ReportMetric(float64(time.Second/every), "ticks/s")
	b.ReportAllocs()
	for b.Loop() {
		for range time.Second / every {
			g.Clock.Advance(every)
			g.m.Update(checklist.JobTickMsg{})
			_ = g.m.View()
		}
	}
}
