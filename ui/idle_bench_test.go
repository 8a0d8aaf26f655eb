package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/lab/labtest"
	"flyover/steps"
	"flyover/ui/common"
)

// idleGuided is `flyover --read-only` at 140x42 with nothing happening:
// the target attached and in sync, the plan at the cutover, which waits
// for the operator; no step runs, no application writes.
func idleGuided(b *testing.B) *harness {
	g := newGuided(&testing.T{}, 140, 42, nil, func(c *common.Config) { c.ReadOnly = true; c.Redraw = benchRedraw })
	g.Ready()
	if g.C.Plan().Current != steps.StepCutover || g.C.Running() != nil {
		b.Fatalf("plan at %s, running %v: want the cutover, waiting", g.C.Plan().Current, g.C.RunningID())
	}
	return g.harness()
}

// idleRound is one tick of polls that say nothing new (every endpoint
// answers as before, the clock a tick later), each message read and its
// frame asked for, as the program does. It returns how many frames
// differed from the one before: the renderer parses each of those whole.
func idleRound(g *harness, last *string) (changed int) {
	if g.figures {
		// Live, a quiet lab's figures still move: the Sentinels' hellos
		// advance the source's offset, the polls themselves its rate.
		g.w.SrcOffset += 300
		g.w.AckedOffset = g.w.SrcOffset
		g.w.SrcOps = 10 + g.w.SrcOps%3
	}
	deliver := func(msg tea.Msg) {
		g.m.Update(msg)
		if f := g.m.View().Content; f != *last {
			changed++
			*last = f
		}
	}
	g.roundThrough(deliver)
	if g.m.redraw.Armed() {
		deliver(redrawMsg{}) // the coalesced redraw's tick, as ui.Run's
	}
	return changed
}

// benchRedraw is ui.Run's Config.Redraw: the polls of one tick are
// observed and drawn once.
const benchRedraw = 50 * time.Millisecond

// BenchmarkIdleTick is one tick (500 ms) of an idle dashboard with the
// checklist: five polls with no new facts, each through Update and View.
// It should be near-free: cpu-ns/op is CPU per half second, so 2.5e6
// would be 0.5 % of a core before the renderer's own work, which is what
// frames/op counts (a changed frame is parsed and diffed whole; the clock
// changes it once a second, 0.5 per tick).
func BenchmarkIdleTick(b *testing.B) { benchIdle(b, idleGuided(b)) }

// BenchmarkIdleTickFigures is BenchmarkIdleTick with the figures moving
// as they do live on a quiet lab (the source's offset and rate change at
// every tick): a frame that changes figures alone waits for the clock's
// next second, so frames/op stays at 0.5 (it was 1: every tick).
func BenchmarkIdleTickFigures(b *testing.B) {
	g := idleGuided(b)
	g.figures = true
	benchIdle(b, g)
}

// BenchmarkIdleDashboard is the same tick without the checklist
// (`flyover` with no guide), at 140x42.
func BenchmarkIdleDashboard(b *testing.B) {
	hs := newHarness(b, 140, 42, func(c *common.Config) { c.Redraw = benchRedraw })
	hs.w.Attached = true
	benchIdle(b, hs)
}

// benchIdle times idle rounds of g, past what the first minutes bring
// (the trends' window growing).
func benchIdle(b *testing.B, g *harness) {
	last := g.m.View().Content
	for range g.m.Dash.History.Cap() + 4 {
		idleRound(g, &last)
	}
	frames := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := labtest.SelfCPU()
	for b.Loop() {
		frames += idleRound(g, &last)
	}
	b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
	b.ReportMetric(float64((labtest.SelfCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
