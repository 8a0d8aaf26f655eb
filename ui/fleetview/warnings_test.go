package fleetview

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"flyover/ui/common"
)

// A warning is read whole: at 80 cells a long one wraps under its badge,
// every line exactly the screen's width, and the table gives it room.
func TestFleetWarningsWrapWhole(t *testing.T) {
	warn := "a password on the command line is visible to every user of this machine (ps): use --password-env FLYOVER_PASSWORD instead"
	m := &Model{styles: common.DefaultStyles(true), width: 80, height: 24, cfg: Config{Warnings: []string{warn}}}
	lines := m.warningLines()
	if len(lines) < 2 {
		t.Fatalf("a %d-cell warning at 80 cells takes %d line", len(warn), len(lines))
	}
	var words []string
	for _, l := range lines {
		plain := ansi.Strip(l)
		if w := ansi.StringWidth(plain); w != 80 {
			t.Errorf("a warning line is %d cells wide, want 80: %q", w, plain)
		}
		words = append(words, strings.Fields(strings.TrimPrefix(strings.TrimSpace(plain), "WARNING"))...)
	}
	if got := strings.Join(words, " "); got != warn {
		t.Errorf("the warning on screen:\n%q\nwant:\n%q", got, warn)
	}
	if got, want := m.tableRows(), 24-3-len(lines); got != want {
		t.Errorf("the table has %d rows beside %d warning lines, want %d", got, len(lines), want)
	}
}
