package ui

import (
	"strings"
	"testing"
	"time"

	"flyover/ui/common"
)

// With Config.Redraw (ui.Run sets it), the polls of one tick are observed
// and drawn once, at the redraw's tick; a key does not wait for the tick:
// it draws at once, with what the polls brought.
func TestPollsRedrawOnceAndKeysAtOnce(t *testing.T) {
	for _, guided := range []bool{false, true} {
		t.Run(map[bool]string{false: "dashboard", true: "checklist"}[guided], func(t *testing.T) {
			mk := func(redraw time.Duration) *harness {
				mod := func(c *common.Config) { c.Redraw = redraw }
				if guided {
					return newGuided(t, 120, 36, nil, mod).harness()
				}
				return newHarness(t, 120, 36, mod)
			}
			now, later := mk(0), mk(50*time.Millisecond)
			both := func(f func(h *harness)) { f(now); f(later) }
			for range 4 {
				// The redraw's tick comes before a tick's polls are
				// polled again (Redraw < Tick/2).
				both(func(h *harness) { h.round() })
				before := later.screen()
				if later.send(redrawMsg{}); later.screen() == before {
					t.Fatalf("the redraw's tick drew nothing new:\n%s", before)
				}
			}

			before := later.screen()
			both(func(h *harness) { h.w.SrcDown = true; h.round() })
			for _, want := range []string{"SOURCE DOWN", "✗ DOWN"} {
				if !strings.Contains(now.screen(), want) {
					t.Fatalf("the fixture's source going down shows no %q:\n%s", want, now.screen())
				}
			}
			if got := later.screen(); got != before {
				t.Errorf("a poll was drawn before the redraw's tick:\n%s", got)
			}
			if !later.m.redraw.Armed() {
				t.Fatal("a poll's result armed no redraw")
			}
			later.key("?")
			keyed := later.screen()
			for _, want := range []string{"SOURCE DOWN", "✗ DOWN", "more keys"} {
				if want == "more keys" {
					if strings.Contains(keyed, want) {
						t.Errorf("the key was not answered at once:\n%s", keyed)
					}
					continue
				}
				if !strings.Contains(keyed, want) {
					t.Errorf("a key did not draw at once what the polls brought (%q):\n%s", want, keyed)
				}
			}
			if later.send(redrawMsg{}); later.screen() != keyed {
				t.Errorf("the redraw's tick after a key changed the screen:\n%s\nwant:\n%s", later.screen(), keyed)
			}
			if later.m.redraw.Armed() {
				t.Error("a redraw is still armed with nothing to draw")
			}
		})
	}
}

// A coalesced poll that changed figures alone (rates, offsets) is drawn
// with the clock's next second, a tick later at most, not at once: an
// idle screen changes once a second. A poll that brings news (a timeline
// entry, the badge) is drawn at its redraw's tick.
func TestFiguresWaitForTheClocksSecond(t *testing.T) {
	hs := newHarness(t, 120, 36, func(c *common.Config) { c.Redraw = 50 * time.Millisecond })
	tick := func() { hs.round(); hs.send(redrawMsg{}) }
	for range 16 {
		tick() // in sync, then nothing new
	}
	if !strings.Contains(hs.screen(), "IN SYNC") {
		t.Fatalf("not in sync:\n%s", hs.screen())
	}
	if hs.clock.Now().Unix() != hs.m.drawn.second {
		tick() // the next round is within the second drawn last
	}
	before := hs.screen()
	hs.w.SrcOps += 4321
	tick()
	if hs.screen() != before {
		t.Fatalf("a change of figures alone was drawn before the clock's next second:\n%s", hs.screen())
	}
	tick() // the next second
	if sc := hs.screen(); sc == before || !strings.Contains(sc, "16,355") {
		t.Fatalf("the next second's frame does not show the new rate:\n%s", sc)
	}

	if hs.clock.Now().Unix() != hs.m.drawn.second {
		tick()
	}
	hs.w.SrcDown = true
	tick()
	if !strings.Contains(hs.screen(), "SOURCE DOWN") {
		t.Fatalf("the source going down was not drawn at its redraw's tick:\n%s", hs.screen())
	}
}
