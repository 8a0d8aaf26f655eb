package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/lab/labtest"
	"flyover/steps"
	"flyover/ui/checklist/checklisttest"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

// screenSizes are where a value must never be cut: 80x24, 120x40, and
// the tape's 120x36 (demo.tape: 1250x722 px at FontSize 16 with 12 px
// padding; VHS's cell measured on a rendered frame is 10.2 x 19.4 px),
// with 127x36 for a terminal whose cell is JetBrains Mono's 9.6 px.
var screenSizes = [][2]int{{80, 24}, {120, 36}, {120, 40}, {127, 36}}

// cutValues are what a screen shows for its value: the fixtures'
// addresses and the verdicts. None may end in "…" short of its end.
func cutValues() []string {
	v := []string{uitest.FxSource, uitest.FxTarget, "QUORUM NOT REACHABLE", "quorum ok", "nothing changes"}
	return append(v, uitest.FxSentinels...)
}

// cutNumber is a figure cut in the middle: a digit, or a duration's
// unit, right before the ellipsis.
var cutNumber = regexp.MustCompile(`(\d|\d [sm]|seen|ago)…`)

// cutWord is a word cut in the middle: text runs into the ellipsis
// (what is cut after a whole word ends in " …").
var cutWord = regexp.MustCompile(`(\S+)…`)

// progress are the words that end in an ellipsis because something is
// under way: "starting…", "Polling … the Sentinels…".
func progress(word string) bool {
	return strings.HasSuffix(word, "ing") || word == "Sentinels"
}

// droppedValue is a label whose value was left off: "serving data from
// …", "question …", "s3 …", "→ …".
var droppedValue = regexp.MustCompile(`(\b(from|of|name|names|question|since|at|to|by|on)|→|\bs\d) …`)

// assertNothingCut fails when sc shows a value, a figure or a duration
// cut short, a word cut in the middle, or a label without its value.
func assertNothingCut(t *testing.T, what, sc string) {
	t.Helper()
	for _, line := range strings.Split(sc, "\n") {
		if m := cutNumber.FindString(line); m != "" {
			t.Errorf("%s: a figure is cut (%q):\n%s", what, m, line)
		}
		for _, m := range cutWord.FindAllStringSubmatch(line, -1) {
			if !progress(m[1]) {
				t.Errorf("%s: a word is cut (%q):\n%s", what, m[0], line)
			}
		}
		if m := droppedValue.FindString(line); m != "" {
			t.Errorf("%s: a value is left off (%q):\n%s", what, m, line)
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

// The guided migration's screens where a value was cut at the tape's
// size: the cutover's commands before enter, the decommission's wait
// ("serving data from" a time), its two questions (the heading says
// which one this is, the first answered question keeps its address
// whole), and the Sentinels' flags mid-failover.
func TestGuidedValuesAreNeverCut(t *testing.T) {
	for _, size := range screenSizes {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("cutover ready %dx%d", w, h), func(t *testing.T) {
			g := newGuided(t, w, h, checklisttest.DemoWriter(), nil)
			g.Ready()
			assertNothingCut(t, "the cutover, ready", g.Screen())
			g.Press("enter")
			g.Settle()
			assertNothingCut(t, "the cutover's question", g.Screen())
		})
		t.Run(fmt.Sprintf("cutover running %dx%d", w, h), func(t *testing.T) {
			g := cutoverRunning(t)
			g.Send(tea.WindowSizeMsg{Width: w, Height: h})
			sc := g.Screen()
			assertNothingCut(t, "the running cutover", sc)
			labtest.ContainsAll(t, "the running cutover", sc, "1 of 3 Sentinels name the target (need 2);")
			// The progress message whole, or cut after a word that says so.
			if !strings.Contains(sc, "reports master") && !regexp.MustCompile(`\(need 2\);[^\n]* …`).MatchString(sc) {
				t.Errorf("the progress message is cut without saying so:\n%s", sc)
			}
		})
		t.Run(fmt.Sprintf("Sentinels disagree %dx%d", w, h), func(t *testing.T) {
			// Mid-switch two Sentinels name the target, one the source:
			// the event names both addresses, and who names each.
			hs := newGuided(t, w, h, checklisttest.DemoWriter(), nil).harness()
			hs.rounds(4)
			hs.w.SentMaster[0], hs.w.SentMaster[1] = uitest.FxTarget, uitest.FxTarget
			hs.rounds(2)
			sc := hs.screen()
			assertNothingCut(t, "the Sentinels' disagreement", sc)
			if strings.Contains(sc, "EVENTS") {
				// Its last word on screen: the message whole.
				labtest.ContainsAll(t, "the disagreement", sc, "Sentinels name different masters", "s3)")
			}
		})
		t.Run(fmt.Sprintf("failover in progress %dx%d", w, h), func(t *testing.T) {
			hs := newGuided(t, w, h, checklisttest.DemoWriter(), nil).harness()
			hs.rounds(4)
			hs.w.SentFlags[1] = []string{"master", "s_down", "o_down", "failover_in_progress"}
			hs.w.SentMaster[1] = uitest.FxTarget
			hs.rounds(2)
			sc := hs.screen()
			assertNothingCut(t, "Sentinel flags mid-failover", sc)
			// The leader sends clients to the target while its own
			// record is still the old primary: both addresses whole.
			hs.w.SentRecord = map[int]string{1: uitest.FxSource}
			hs.rounds(2)
			sc = hs.screen()
			assertNothingCut(t, "the leader's own record mid-failover", sc)
			if strings.Contains(sc, "SENTINELS") { // the dashboard is beside the checklist
				labtest.ContainsAll(t, "the leader's row", sc, uitest.FxTarget+" · own "+uitest.FxSource)
			}
		})
		t.Run(fmt.Sprintf("decommission %dx%d", w, h), func(t *testing.T) {
			g := newGuided(t, w, h, checklisttest.DemoWriter(), nil)
			g.C.Driver().Adjust(func(f *steps.Facts) {
				f.VerifiedWrite = uitest.T0.Add(3 * time.Second)
				f.Cutover = &steps.CutoverResult{Stall: 1_183 * time.Millisecond}
			})
			g.W.Fenced, g.W.Attached = true, false
			for i := range uitest.FxSentinels {
				g.W.SentMaster[i] = uitest.FxTarget
			}
			for range 3 {
				g.Round()
				g.FinishJobs()
			}
			if c := g.C.Plan(); c.Current != steps.StepDecommission {
				t.Fatalf("plan at %s (%s), want the decommission", c.Current, c.State(c.Current).Reason)
			}
			assertNothingCut(t, "the decommission, ready", g.Screen())
			g.Press("enter")
			sc := g.Screen()
			assertNothingCut(t, "the decommission's first question", sc)
			labtest.ContainsAll(t, "the first question", sc, "SHUTDOWN")
			g.Press("y")
			sc = g.Screen()
			assertNothingCut(t, "the decommission's second question", sc)
			labtest.ContainsAll(t, "the second question", sc, "SENTINEL RESET flyover", "2 of 2", uitest.FxSource)
		})
	}
}

// Between the sizes above, where the dashboard beside the checklist is
// narrowest (the nodes' columns, the events' message column), and where
// it is wide: every scene's values whole. The key help (the last line)
// is left out: it gives up keys, not values.
func TestValuesAreNeverCutAtAnyWidth(t *testing.T) {
	body := func(sc string) string {
		lines := strings.Split(strings.TrimRight(sc, "\n"), "\n")
		return strings.Join(lines[:len(lines)-1], "\n")
	}
	for _, sz := range [][2]int{{90, 30}, {100, 30}, {109, 36}, {110, 36}, {140, 40}, {160, 48}, {200, 50}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			g := cutoverRunning(t)
			g.Send(tea.WindowSizeMsg{Width: w, Height: h})
			assertNothingCut(t, "the running cutover", body(g.Screen()))
			g.Press("tab")
			assertNothingCut(t, "the running cutover, dashboard only", body(g.Screen()))
			d := wrapGuided(checklisttest.Done(t, newRootHost))
			d.Send(tea.WindowSizeMsg{Width: w, Height: h})
			assertNothingCut(t, "the end", body(d.Screen()))
			for name, screen := range map[string]func(testing.TB, int, int) *harness{"trouble": troubleScreen, "silent target": silentTargetScreen, "in sync": inSyncScreen} {
				assertNothingCut(t, name, body(screen(t, w, h).screen()))
			}
			a := newGuided(t, w, h, checklisttest.DemoWriter(), nil)
			a.Detached()
			assertNothingCut(t, "the attach step", body(a.Screen()))
			a.Press("enter")
			assertNothingCut(t, "the attach question", body(a.Screen()))
		})
	}
}
