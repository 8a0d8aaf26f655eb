package ui

import (
	"fmt"
	"testing"
)

// benchScreen is a busy dashboard at 160x48: full trend history, a long
// timeline, every section on screen.
func benchScreen(b *testing.B) *harness {
	hs := newHarness(b, 160, 48, nil)
	for i := range hs.m.dash.history.Cap() + 10 {
		hs.w.srcOffset += int64(1000 + i%7*300)
		hs.w.ackedOffset = hs.w.srcOffset - int64(i%5*100)
		hs.w.srcOps = int64(10000 + i%50*40)
		hs.round()
	}
	for i := range 200 {
		hs.event(i%3, "+sdown", fmt.Sprintf("slave 127.0.0.1:%d 127.0.0.1 %d @ flyover 127.0.0.1 7001", 9000+i, 9000+i))
	}
	return hs
}

// BenchmarkView is what every frame costs: View runs after every message.
func BenchmarkView(b *testing.B) {
	hs := benchScreen(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = hs.m.View()
	}
}

// BenchmarkPollUpdate is the cost of one poll result: Derive, the
// timeline, and rendering the whole screen again (done in Update).
func BenchmarkPollUpdate(b *testing.B) {
	hs := benchScreen(b)
	msg := nodePolledMsg{which: sourceNode, node: hs.w.source()}
	b.ReportAllocs()
	for b.Loop() {
		hs.m.Update(msg)
	}
}

// BenchmarkViewGuided is a frame with the checklist beside the dashboard
// while the cutover runs: View hands over what Update rendered.
func BenchmarkViewGuided(b *testing.B) {
	g := cutoverRunning(&testing.T{})
	b.ReportAllocs()
	for b.Loop() {
		_ = g.m.View()
	}
}

// BenchmarkJobTick is what one progress tick of a running step costs:
// reading the progress and rendering the panel and the screen again.
func BenchmarkJobTick(b *testing.B) {
	g := cutoverRunning(&testing.T{})
	b.ReportAllocs()
	for b.Loop() {
		g.m.Update(jobTickMsg{})
	}
}

// BenchmarkPollUpdateGuided is one poll result with the checklist: the
// dashboard's work plus the plan derived again and the panel rendered.
func BenchmarkPollUpdateGuided(b *testing.B) {
	g := cutoverRunning(&testing.T{})
	msg := nodePolledMsg{which: sourceNode, node: g.w.source()}
	b.ReportAllocs()
	for b.Loop() {
		g.m.Update(msg)
	}
}
