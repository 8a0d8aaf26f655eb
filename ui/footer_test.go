package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/ui/common"
)

// The footer's keys at every width from 60 to 140 columns: each key is
// shown with its description whole or not at all (never "older event…"),
// ? and q outlast the events' scrolling, and the panel's first key
// outlasts them all. On the dashboard alone, with the log's path, beside
// the checklist, and with a question open.
func TestFooterNeverCutsAKey(t *testing.T) {
	logged := func(c *common.Config) { c.LogPath = "/var/log/flyover/flyover-20261206.log" }
	scenes := []struct {
		name  string
		start func(t *testing.T) *harness
		// stays is the key shown at every width.
		stays string
	}{
		{"dashboard", func(t *testing.T) *harness { return newHarness(t, 120, 36, nil) }, "q quit"},
		{"dashboard with its log", func(t *testing.T) *harness { return newHarness(t, 120, 36, logged) }, "q quit"},
		{"checklist", func(t *testing.T) *harness {
			g := newGuided(t, 120, 36, nil, logged)
			g.Detached()
			return g.harness()
		}, "enter run the next step"},
		{"question", func(t *testing.T) *harness {
			g := newGuided(t, 120, 36, nil, nil)
			g.Detached()
			g.Press("enter")
			if g.Mode() == common.ModeNormal {
				t.Fatal("enter opened no question")
			}
			return g.harness()
		}, "y yes"},
	}
	for _, sc := range scenes {
		t.Run(sc.name, func(t *testing.T) {
			hs := sc.start(t)
			hs.rounds(2)
			var whole []string
			for _, h := range (helpKeys{keys: hs.m.keys, panel: panelHelp(hs.m)}).hints() {
				whole = append(whole, h.Text())
			}
			if hs.m.Mode() != common.ModeNormal {
				whole = append(whole, common.DefaultKeyMap().Interrupt.Help().Key+" "+common.DefaultKeyMap().Interrupt.Help().Desc)
			}
			for w := 60; w <= 140; w++ {
				hs.send(tea.WindowSizeMsg{Width: w, Height: 36})
				lines := strings.Split(hs.screen(), "\n")
				footer := lines[len(lines)-1]
				what := fmt.Sprintf("%s at %d columns", sc.name, w)
				assertNothingCut(t, what, footer)
				keys, _, _ := strings.Cut(strings.TrimRight(footer, " "), "   ") // the log's path after the keys
				for _, item := range strings.Split(keys, " • ") {
					if !slices.Contains(whole, item) {
						t.Errorf("%s: %q is not a whole key:\n%s", what, item, footer)
					}
				}
				if !strings.Contains(footer, sc.stays) {
					t.Errorf("%s: the footer lacks %q:\n%s", what, sc.stays, footer)
				}
				if w >= 80 && hs.m.Mode() == common.ModeNormal && (!strings.Contains(footer, "? more keys") || !strings.Contains(footer, "q quit")) {
					t.Errorf("%s: ? or q left off while the events' keys could go first:\n%s", what, footer)
				}
			}
		})
	}
}

// panelHelp is the side panel's keys, none without one.
func panelHelp(m *Model) []key.Binding {
	if m.side == nil {
		return nil
	}
	return m.side.Help()
}

// The expanded help (?) at every width from 60 to 140 columns: each
// column of keys whole or left off whole, ? and q always there.
func TestFullHelpNeverCutsAKey(t *testing.T) {
	for _, guided := range []bool{false, true} {
		var hs *harness
		if guided {
			g := newGuided(t, 120, 36, nil, nil)
			g.Detached()
			hs = g.harness()
		} else {
			hs = newHarness(t, 120, 36, nil)
		}
		hs.rounds(2)
		hs.key("?")
		for w := 60; w <= 140; w++ {
			hs.send(tea.WindowSizeMsg{Width: w, Height: 36})
			lines := strings.Split(hs.screen(), "\n")
			help := strings.Join(lines[len(lines)-1-strings.Count(hs.m.footer, "\n"):], "\n")
			what := fmt.Sprintf("the full help at %d columns, guided %t", w, guided)
			assertNothingCut(t, what, help)
			if !strings.Contains(help, "? fewer keys") || !strings.Contains(help, "q quit") {
				t.Errorf("%s: ? or q left off:\n%s", what, help)
			}
		}
	}
}
