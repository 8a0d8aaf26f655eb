package fleetview

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The fleet's keys at every width from 60 to 140: each whole or left off
// whole, opening a master and quitting the last to go.
func TestFleetKeysAreNeverCut(t *testing.T) {
	m, _ := namedFixtureModel(t, longNames()[:4], 160, 48)
	m.cfg.Report = func() (string, error) { return "", nil }
	for w := 60; w <= 140; w++ {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		lines := strings.Split(ansi.Strip(m.View().Content), "\n")
		keys := strings.TrimRight(lines[len(lines)-1], " ")
		if strings.Contains(keys, "…") || !strings.Contains(keys, "enter open") || !strings.Contains(keys, "q quit") {
			t.Errorf("at %d columns: %q", w, keys)
		}
		for _, item := range strings.Split(keys, " · ") {
			if k, d, ok := strings.Cut(item, " "); !ok || k == "" || d == "" || !strings.Contains("move open filter phase sort report quit", d) {
				t.Errorf("at %d columns: %q is not a whole key", w, item)
			}
		}
	}
}
