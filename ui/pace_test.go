package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"flyover/steps"
)

// quietNote is what the header says while the Sentinels are read slowly.
const quietNote = "Sentinels 4s while quiet"

// While nothing moves the Sentinels are polled slowly, and the header
// says so; a key, a Sentinel event or a reply that differs brings them
// back to every tick at once, and trouble on screen never lets them slow.
func TestSentinelsSlowOnlyWhileNothingMoves(t *testing.T) {
	hs := inSyncScreen(t, 140, 42)
	quiet := func(what string, want bool) {
		t.Helper()
		sc := hs.screen()
		if hs.m.Dash.Quiet() != want || strings.Contains(sc, quietNote) != want {
			t.Fatalf("%s: quiet %t, want %t:\n%s", what, hs.m.Dash.Quiet(), want, sc)
		}
		if !want && !strings.Contains(sc, "· every 500ms") {
			t.Fatalf("%s: the header does not say the tick:\n%s", what, sc)
		}
	}
	quiet("in sync, just now", false)
	hs.rounds(12)
	quiet("in sync, nothing moving for 6 s", true)

	hs.key("down") // a key, any key
	quiet("after a key", false)
	hs.rounds(12)
	quiet("6 s after the key", true)

	hs.event(1, "+sdown", "slave 127.0.0.1:7009 127.0.0.1 7009 @ flyover 127.0.0.1 7001")
	quiet("after a Sentinel event", false)
	hs.rounds(12)
	quiet("6 s after the event", true)

	hs.w.SentFlags[0] = []string{"master", "o_down"}
	hs.round()
	quiet("after a reply that differs", false)

	// At 80 columns the header has room for the short word only.
	hs.m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	hs.w.SentFlags[0] = nil
	hs.rounds(12)
	if sc := hs.screen(); !hs.m.Dash.Quiet() || !strings.Contains(strings.SplitN(sc, "\n", 2)[0], "quiet: 2s, Sentinels 4s") {
		t.Fatalf("quiet at 80x24, the header does not say the Sentinels' pace:\n%s", sc)
	}

	hs.w.SentDown[2] = true
	hs.rounds(20)
	quiet("a Sentinel down for 10 s", false)
}

// A question open, or a step running, keeps the Sentinels at every tick.
func TestSentinelsNeverSlowWhileTheOperatorActs(t *testing.T) {
	g := newGuided(t, 140, 42, nil, nil)
	g.Ready()
	g.Rounds(12)
	if !g.m.Dash.Quiet() {
		t.Fatalf("at the cutover, nothing moving for 6 s, not quiet:\n%s", g.Screen())
	}
	g.Press("enter")
	if g.C.Question() == nil {
		t.Fatalf("enter opened no question:\n%s", g.Screen())
	}
	for range 12 {
		g.Round()
		g.Settle() // the question's own redraws, as the program sends them
	}
	if g.m.Dash.Quiet() {
		t.Fatalf("quiet with a question open:\n%s", g.Screen())
	}
	if g.C.Plan().Current != steps.StepCutover {
		t.Fatalf("plan at %s", g.C.Plan().Current)
	}
}
