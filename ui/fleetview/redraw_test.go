package fleetview

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/ui/uitest"
)

// The polls' results redraw the screen once per redraw, not each: the
// frame stays as drawn until the redraw comes, then shows them all; a key
// redraws at once.
func TestPollsRedrawOncePerRedrawAndKeysAtOnce(t *testing.T) {
	m, w := fixtureModel(t, 3)
	screen := func() string { return ansi.Strip(m.View().Content) }
	before := screen()
	if strings.Contains(before, "unknown") {
		t.Fatalf("a fixture master is unknown before any failure:\n%s", before)
	}
	w.SrcDown, w.TgtDown = true, true
	_, cmd := m.Update(fleetNodesMsg{name: m.cfg.Fleet.Masters[0].Name, src: w.Source(), tgt: w.Target()})
	if cmd == nil || !m.redraw.Armed() {
		t.Fatal("a poll's result armed no redraw")
	}
	m.Update(fleetNodesMsg{name: m.cfg.Fleet.Masters[1].Name, src: w.Source(), tgt: w.Target()})
	if got := screen(); got != before {
		t.Errorf("the screen was drawn again before the redraw:\n%s", got)
	}
	if r := m.Rows(); r[0].Phase != "unknown" || r[1].Phase != "unknown" {
		t.Errorf("the rows do not follow the polls: %s, %s", r[0].Phase, r[1].Phase)
	}
	m.Update(fleetRedrawMsg{})
	if got := screen(); strings.Count(got, "unknown") != 2 {
		t.Errorf("the redraw does not show both polls:\n%s", got)
	}
	if m.redraw.Armed() {
		t.Error("a redraw is still armed with nothing to draw")
	}

	m.Update(fleetNodesMsg{name: m.cfg.Fleet.Masters[2].Name, src: w.Source(), tgt: w.Target()})
	m.Update(uitest.Press("j"))
	if got := screen(); strings.Count(got, "unknown") != 3 {
		t.Errorf("a key does not draw at once what the polls changed:\n%s", got)
	}
}

// A fleet past MaxPolls*SlowTick masters polls each master less often,
// and says so: 200 masters at 40 a second are each polled every 5 s.
func TestBigFleetPollsEachMasterLessOften(t *testing.T) {
	small, _ := fixtureModel(t, 50)
	big, _ := fixtureModel(t, 200)
	if small.every != 2*time.Second || big.every != 5*time.Second {
		t.Fatalf("50 masters polled every %s, 200 every %s: want 2s and 5s", small.every, big.every)
	}
	if sc := ansi.Strip(small.View().Content); strings.Contains(sc, "polled every") {
		t.Errorf("50 masters at the slow tick say their interval:\n%s", sc)
	}
	if sc := ansi.Strip(big.View().Content); !strings.Contains(sc, "each polled every 5s") {
		t.Errorf("200 masters do not say they are polled every 5s:\n%s", sc)
	}
}
