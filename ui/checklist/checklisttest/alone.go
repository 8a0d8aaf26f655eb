package checklisttest

import (
	"context"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/steps"
	"flyover/ui/checklist"
	"flyover/ui/common"
	"flyover/ui/dashboard"
)

// Alone is the checklist by itself, held as the root model holds it: it
// gets the same digested polls (a dashboard digests them, unseen), the
// same share of the screen (beside a dashboard of at least its minimum
// width, below a header, above a line of keys), and the keys the root
// hands it; its mode is what it asked for. A key it leaves is nobody's.
type Alone struct {
	c       *checklist.Checklist
	digest  *dashboard.Dashboard
	cfg     *common.Config
	session *steps.Session
	styles  common.Styles
	mode    common.Mode
	w, h    int
}

// AloneHost is the HostFunc of Alone.
func AloneHost(cfg common.Config, w, h int) Host {
	cfg.Defaults()
	a := &Alone{cfg: &cfg, session: cfg.Guide.Session, styles: common.DefaultStyles(true), w: w, h: h}
	a.digest = dashboard.New(context.Background(), cfg, &a.styles)
	a.c = checklist.New(context.Background(), a.cfg, &a.styles)
	a.Poll(nil) // the starting state: nothing has answered yet
	a.layout()
	return a
}

func (a *Alone) Checklist() *checklist.Checklist { return a.c }
func (a *Alone) Mode() common.Mode               { return a.mode }
func (a *Alone) Frame() string                   { return a.c.View() }
func (a *Alone) Screen() string                  { return ansi.Strip(a.c.View()) }

// Size is the checklist's share of the screen: its width and height.
func (a *Alone) Size() (w, h int) {
	sw := a.c.Width(a.w)
	if sw < a.w {
		sw = min(sw, a.w-dashboard.MinDashWidth-1) // the dashboard, the rule
	}
	return max(0, min(sw, a.w)), max(1, a.h-2-min(len(a.cfg.Warnings), 3)) // header, keys, warnings
}

func (a *Alone) layout() {
	if w, h := a.Size(); w > 0 {
		a.c.SetSize(w, h)
	}
}

func (a *Alone) Send(msg tea.Msg) tea.Cmd {
	defer a.layout()
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = m.Width, m.Height
		return nil
	case common.ModeMsg:
		a.mode = m.Mode
		return nil
	}
	cmd, _ := a.c.Update(msg)
	return cmd
}

func (a *Alone) Poll(msg tea.Msg) tea.Cmd {
	defer a.layout()
	if msg != nil {
		a.digest.Update(msg) // its re-arm is the endpoint's next poll: none here
	}
	n, ok := msg.(common.NodePolledMsg)
	o := common.Observe(a.session, a.cfg.Topo, a.digest.Snapshot(), a.digest.Ready(), ok && n.Which == common.SourceNode)
	cmd, _ := a.c.Update(o)
	return cmd
}
