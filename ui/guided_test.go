package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/ui/checklist/checklisttest"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

// The checklist beside the dashboard, as the root model composes them:
// the screens a user sees (goldens), the share of the screen each gets,
// and the keys the root keeps. What the checklist does by itself is
// tested in ui/checklist.

func TestChecklistPreflightBlockGolden(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.W.Attached = false
	g.W.TgtKeys = map[int]probe.DBKeys{0: {Keys: 4_210}}
	g.Session.SetPreflight(readiness.PreflightFacts{})
	g.Rounds(3)
	g.Runner.Last(t).Job.End(errors.New("preflight blocks: the target is empty: the target holds 4210 keys"))
	g.Pump()
	st := g.C.Plan().State(steps.StepPreflight)
	if g.C.Plan().Current != steps.StepPreflight || st.Status != steps.Blocked {
		t.Fatalf("plan at %s %s, want preflight blocked", g.C.Plan().Current, st.Status)
	}
	sc := g.Screen()
	labtest.ContainsAll(t, "screen", sc, "✗ the target is empty", "REPLICAOF wipes", "--allow-", "blocked")
	goldenFrame(t, g.m, "checklist-preflight-block-120x36", 120, 36)
	// enter runs preflight again: it only reads, so no question.
	g.Press("enter")
	if g.Mode() != common.ModeNormal || g.Runner.Last(t).ID != steps.StepPreflight {
		t.Errorf("enter on a blocked preflight: mode %v, ran %v", g.Mode(), g.Runner.Ran())
	}
}

func TestChecklistAttachConfirmGolden(t *testing.T) {
	g := newGuided(t, 120, 36, checklisttest.DemoWriter(), nil)
	g.Detached()
	g.Press("enter")
	if g.Mode() != common.ModeConfirm {
		t.Fatalf("mode %v after enter, want the confirmation", g.Mode())
	}
	sc := g.Screen()
	if !strings.Contains(sc, "target 127.0.0.1:7002> REPLICAOF 127.0.0.1 7001") {
		t.Errorf("the confirmation does not show the exact command:\n%s", sc)
	}
	goldenFrame(t, g.m, "checklist-attach-confirm-120x36", 120, 36)
}

func TestChecklistCutoverPromptGolden(t *testing.T) {
	g := newGuided(t, 120, 36, checklisttest.DemoWriter(), nil)
	g.Ready()
	g.Press("enter")
	if g.Mode() != common.ModePrompt {
		t.Fatalf("mode %v, want the typed prompt", g.Mode())
	}
	g.Settle()
	g.TypeText("flyo")
	sc := g.Screen()
	labtest.ContainsAll(t, "the cutover prompt", sc, "POINT OF NO RETURN", "SENTINEL FAILOVER flyover", "CLIENT PAUSE", "CLIENT UNPAUSE", "Type the master name (flyover)", "> flyo")
	goldenFrame(t, g.m, "checklist-cutover-prompt-120x36", 120, 36)
}

func TestChecklistCutoverRunningGolden(t *testing.T) {
	g := cutoverRunning(t)
	sc := g.Screen()
	labtest.ContainsAll(t, "the running cutover", sc, "waiting for majority", "8 s left", "48,213,904", "1 of 3 Sentinels name the target")
	goldenFrame(t, g.m, "checklist-cutover-running-120x36", 120, 36)

	// The countdown moves with the clock.
	g.Clock.Advance(2 * time.Second)
	g.Pump()
	if !strings.Contains(g.Screen(), "6 s left") {
		t.Errorf("the countdown did not move:\n%s", g.Screen())
	}
}

func TestChecklistDoneGolden(t *testing.T) {
	g := wrapGuided(checklisttest.Done(t, newRootHost))
	if c := g.C.Plan(); c.Current != "" {
		t.Fatalf("plan at %s (%s), want every step done", c.Current, c.State(c.Current).Reason)
	}
	sc := g.Screen()
	labtest.ContainsAll(t, "the final screen", sc, "MIGRATION COMPLETE", "flyover-report-20250314-092653.md",
		"0 lost of 120,000 acknowledged", "read back by the report step:", "the 120,000 writes acknowledged by "+uitest.T0.Add(5*time.Second).Format("15:04:05"),
		"11,877 acknowledged since", "1.18 s")
	goldenFrame(t, g.m, "checklist-done-120x36", 120, 36)
}

// A key the checklist leaves is the root's: with nothing running, q
// quits at once.
func TestQuitWithNothingRunningQuitsAtOnce(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.Ready()
	if !g.Exec(g.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})) {
		t.Error("q with nothing running did not quit")
	}
}

// q while a step that writes runs asks first, and the question is on
// screen at every size, 80x24 included.
func TestQuitQuestionIsVisibleAtEverySize(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 36}, {100, 20}, {80, 14}, {200, 50}} {
		g := cutoverRunning(t)
		g.Send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		if g.Press("q") {
			t.Fatalf("%dx%d: q quit while the cutover runs, without asking", sz[0], sz[1])
		}
		sc := g.Screen()
		for _, want := range []string{"Cutover is running. Quit?", "y quit", "keep it running"} {
			if !strings.Contains(sc, want) {
				t.Errorf("%dx%d: the quit question lacks %q on screen:\n%s", sz[0], sz[1], want, sc)
			}
		}
		uitest.CheckFrame(t, g.m.View().Content, sz[0], sz[1])
	}
}

// Warnings (a password on the command line, TLS verification off) stay
// on every screen; the lab is labelled as one.
func TestWarningsAndLabStayOnScreen(t *testing.T) {
	warn := "--source-password: a password on the command line is visible in the process list"
	g := newGuided(t, 120, 36, nil, func(c *common.Config) {
		c.Warnings = []string{warn}
		c.Lab = "demo on loopback"
	})
	g.Ready()
	for _, step := range []string{"normal", "prompt"} {
		if step == "prompt" {
			g.Press("enter")
		}
		sc := g.Screen()
		if !strings.Contains(sc, "WARNING  "+warn[:40]) || !strings.Contains(sc, "LAB") {
			t.Errorf("%s: warning or lab label missing:\n%s", step, sc)
		}
		uitest.CheckFrame(t, g.m.View().Content, 120, 36)
	}
}

// The checklist fits any screen the dashboard does.
func TestChecklistFitsEverySize(t *testing.T) {
	g := cutoverRunning(t)
	for _, w := range []int{40, 60, 80, 100, 120, 160, 220} {
		for _, h := range []int{10, 24, 36, 50} {
			g.Send(tea.WindowSizeMsg{Width: w, Height: h})
			uitest.CheckFrame(t, g.m.View().Content, w, h)
		}
	}
	g = newGuided(t, 80, 24, checklisttest.DemoWriter(), nil)
	g.Ready()
	g.Press("enter")
	for _, w := range []int{40, 80, 120} {
		for _, h := range []int{10, 24, 36} {
			g.Send(tea.WindowSizeMsg{Width: w, Height: h})
			uitest.CheckFrame(t, g.m.View().Content, w, h)
		}
	}
}

// Autoplay answers the questions itself, only in a lab: the root refuses
// to start it anywhere else.
func TestAutoplayRunsInALabOnly(t *testing.T) {
	if err := checkConfig(&common.Config{Guide: &common.Guide{Autoplay: true}}); !errors.Is(err, ErrAutoplayOutsideLab) {
		t.Errorf("autoplay outside a lab: %v", err)
	}
	if err := checkConfig(&common.Config{Guide: &common.Guide{Autoplay: true}, Lab: "demo"}); err != nil {
		t.Errorf("autoplay in a lab: %v", err)
	}
}
