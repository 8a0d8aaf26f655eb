package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The panels keep what they drew until what they show changes; a new
// background is such a change: after it the screen is exactly what a
// model that started on that background draws, styles included.
func TestKeptPanelsFollowTheBackground(t *testing.T) {
	for _, guided := range []bool{false, true} {
		frame := func(switchLate bool) string {
			var hs *harness
			if guided {
				hs = newGuided(t, 140, 42, nil, nil).harness()
			} else {
				hs = newHarness(t, 140, 42, nil)
			}
			if !switchLate {
				hs.send(tea.BackgroundColorMsg{Color: whiteColor{}})
			}
			hs.rounds(6)
			_ = hs.m.View() // drawn, and kept, on the dark background
			if switchLate {
				hs.send(tea.BackgroundColorMsg{Color: whiteColor{}})
			}
			return hs.m.View().Content
		}
		if late, early := frame(true), frame(false); late != early {
			t.Errorf("guided=%t: after the background changed, the frame differs from one drawn on it from the start", guided)
		}
	}
}
