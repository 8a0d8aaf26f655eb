package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/ui/common"
	"flyover/ui/uitest"
)

// screenSizes are where a value must never be cut: 80x24, 120x40, and
// the tape's (demo.tape: 1250x722 px at FontSize 16 with 12 px padding;
// JetBrains Mono's cell is 9.6 x ~21 px, so about 127x33).
var screenSizes = [][2]int{{80, 24}, {127, 33}, {120, 40}}

// cutValues are what a screen shows for its value: the fixtures'
// addresses and the verdicts. None may end in "…" short of its end.
func cutValues() []string {
	v := []string{uitest.FxSource, uitest.FxTarget, "QUORUM NOT REACHABLE", "quorum ok", "nothing changes"}
	return append(v, uitest.FxSentinels...)
}

// cutNumber is a figure cut in the middle: a digit, or a duration's
// unit, right before the ellipsis.
var cutNumber = regexp.MustCompile(`(\d|\d [sm]|seen|ago)…`)

// assertNothingCut fails when sc shows a value, a figure or a duration
// cut short.
func assertNothingCut(t *testing.T, what, sc string) {
	t.Helper()
	for _, line := range strings.Split(sc, "\n") {
		if m := cutNumber.FindString(line); m != "" {
			t.Errorf("%s: a figure is cut (%q):\n%s", what, m, line)
		}
		for _, v := range cutValues() {
			for n := 3; n < len(v); n++ {
				if strings.Contains(line, v[:n]+"…") {
					t.Errorf("%s: %q is cut to %q:\n%s", what, v, v[:n]+"…", line)
				}
			}
		}
	}
}

// After the switch the old primary, retired, says how long ago it was
// seen; fenced, whose replica it is; and the Sentinels' verdict on the
// quorum: whole at every size, beside the checklist or not.
func TestValuesAreNeverCut(t *testing.T) {
	scenes := []struct {
		name string
		set  func(w *uitest.World)
		poll func(msg tea.Msg) tea.Msg
	}{
		{name: "fenced old primary", set: func(w *uitest.World) { w.Fenced = true }},
		{name: "retired old primary", set: func(w *uitest.World) { w.SrcDown = true }},
		{name: "quorum not reachable", poll: func(msg tea.Msg) tea.Msg {
			if s, ok := msg.(common.SentinelPolledMsg); ok {
				s.View.QuorumOK = false
				return s
			}
			return msg
		}},
	}
	for _, guided := range []bool{false, true} {
		for _, size := range screenSizes {
			for _, sc := range scenes {
				name := fmt.Sprintf("%s %dx%d guided=%t", sc.name, size[0], size[1], guided)
				t.Run(name, func(t *testing.T) {
					var hs *harness
					if guided {
						hs = newGuided(t, size[0], size[1], nil, nil).harness()
					} else {
						hs = newHarness(t, size[0], size[1], nil)
					}
					hs.rounds(6)
					for i := range uitest.FxSentinels {
						hs.w.SentMaster[i] = uitest.FxTarget
					}
					if sc.set != nil {
						sc.set(hs.w)
					}
					deliver := func(msg tea.Msg) {
						if sc.poll != nil {
							msg = sc.poll(msg)
						}
						hs.send(msg)
					}
					for range 4 {
						hs.roundThrough(deliver)
					}
					hs.clock.Advance(12 * time.Second) // "seen 12 s ago"
					hs.roundThrough(deliver)
					assertNothingCut(t, name, hs.screen())
				})
			}
		}
	}
}
