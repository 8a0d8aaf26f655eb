package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/ui/common"
	"flyover/ui/uitest"
)

// fakePanel stands in for the checklist: it takes "x" in normal mode and
// every key in a question mode.
type fakePanel struct {
	w, h int
	keys []string
}

func (p *fakePanel) Init() tea.Cmd { return nil }
func (p *fakePanel) Update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		p.keys = append(p.keys, k.String())
		return nil, k.String() == "x"
	}
	return nil, false
}
func (p *fakePanel) Width(total int) int { return 30 }
func (p *fakePanel) SetSize(w, h int)    { p.w, p.h = w, h }
func (p *fakePanel) View() string {
	lines := make([]string, p.h)
	for i := range lines {
		lines[i] = strings.Repeat(".", p.w)
	}
	lines[0] = common.Fit("CHECKLIST", p.w)
	return strings.Join(lines, "\n")
}
func (p *fakePanel) Help() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "run step"))}
}

// A side panel gets its share of the screen beside the dashboard, and the
// whole still fits the terminal.
func TestSidePanelSharesTheScreen(t *testing.T) {
	hs := inSyncScreen(t, 160, 40)
	p := &fakePanel{}
	hs.m.SetPanel(p)
	if p.w != 30 || p.h != 38 {
		t.Errorf("panel got %dx%d, want 30x38 (the header runs across both, the footer keeps a line)", p.w, p.h)
	}
	if hs.m.Dash.Width != 160-30-1 {
		t.Errorf("dashboard got %d columns, want %d", hs.m.Dash.Width, 160-30-1)
	}
	uitest.CheckFrame(t, hs.m.View().Content, 160, 40)
	sc := hs.screen()
	if !strings.Contains(sc, "CHECKLIST") || !strings.Contains(sc, "IN SYNC") {
		t.Errorf("panel or dashboard missing:\n%s", sc)
	}
	if !strings.Contains(sc, "x run step") {
		t.Error("the panel's keys are not in the footer")
	}
}

// In normal mode the panel sees keys first and the dashboard gets the
// rest; while a question is open every key goes to the panel, and only
// Ctrl-C quits.
func TestModesRouteKeys(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	p := &fakePanel{}
	hs.m.SetPanel(p)

	hs.key("x")
	if len(p.keys) != 1 {
		t.Fatal("the panel did not see x")
	}
	hs.key("?")
	if !hs.m.help.ShowAll {
		t.Error("? (not the panel's) did not reach the dashboard's help")
	}
	hs.key("?")

	hs.send(common.ModeMsg{Mode: common.ModePrompt})
	if hs.m.Mode() != common.ModePrompt {
		t.Fatal("mode not switched")
	}
	if cmd := hs.send(tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q quit while a prompt owns the keyboard")
		}
	}
	if p.keys[len(p.keys)-1] != "q" {
		t.Error("q did not reach the prompt")
	}
	if strings.Contains(hs.screen(), "more keys") {
		t.Error("the footer offers the dashboard's keys during a prompt")
	}
	cmd := hs.send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+c did nothing during a prompt")
	}
	if _, quit := cmd().(tea.QuitMsg); !quit {
		t.Error("ctrl+c does not quit during a prompt")
	}
}
