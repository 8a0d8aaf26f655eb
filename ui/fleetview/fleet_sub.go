package fleetview

import (
	tea "charm.land/bubbletea/v2"

	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"reflect"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/colorprofile"

	"flyover/fleet"
	"flyover/ui"
	"flyover/ui/common"
)

// An entered master: its own dashboard model, the messages tagged to it
// and back, and the keys it gets.

// toSub hands msg to master name's model and tags what comes back.
func (m *Model) toSub(name string, s *ui.Model, msg tea.Msg) tea.Cmd {
	_, cmd := s.Update(msg)
	return tagCmd(name, cmd)
}

// subSize is an entered master's share of the screen: all of it but the
// line that says which master it is and how to get back.
func (m *Model) subSize() tea.WindowSizeMsg {
	return tea.WindowSizeMsg{Width: m.width, Height: max(1, m.height-1)}
}

// uiTree is the ui tree's import path, the parent of this package's:
// messages of its types (the root model's, the dashboard's, the
// checklist's, ...) are an entered master's own, and are tagged.
var uiTree = path.Dir(reflect.TypeOf(masterMsg{}).PkgPath())

// ofUI reports whether a message type was declared in the ui tree.
func ofUI(pkgPath string) bool {
	return pkgPath == uiTree || strings.HasPrefix(pkgPath, uiTree+"/")
}

// tagCmd wraps an entered master's command so that its message comes
// back tagged with the master. Messages of other packages (Bubble Tea's
// own: quit, background colour) pass untouched; a batch is tagged
// command by command.
func tagCmd(name string, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg { return tagMsg(name, cmd()) }
}

func tagMsg(name string, msg tea.Msg) tea.Msg {
	switch b := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		out := make(tea.BatchMsg, len(b))
		for i, c := range b {
			out[i] = tagCmd(name, c)
		}
		return out
	}
	t := reflect.TypeOf(msg)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if ofUI(t.PkgPath()) {
		return masterMsg{name: name, msg: msg}
	}
	return msg
}

// subKey is a key while a master is on screen. Back returns to the fleet
// when no question is open and, for esc, no step runs: esc stops a
// running step, as it does in flyover alone; ← goes back even then.
func (m *Model) subKey(k tea.KeyPressMsg) tea.Cmd {
	s := m.subs[m.focus]
	if s == nil {
		m.focus = ""
		return nil
	}
	if key.Matches(k, m.keys.Back) && s.Mode() == common.ModeNormal && (s.Guide == nil || !s.Guide.Asking()) {
		running := s.Guide != nil && s.Guide.Driver().Busy()
		if k.String() != "esc" || !running {
			m.leave()
			return nil
		}
	}
	return m.toSub(m.focus, s, k)
}

// leave returns from the master on screen to the fleet.
func (m *Model) leave() {
	if p := m.paces[m.focus]; p != nil {
		p.setFocus(false)
	}
	m.note = ""
	m.focus = ""
	m.rowsDirty = true
}

// enter opens master name: its model is built the first time, and kept
// (its steps, answers and results) when the operator goes back.
func (m *Model) enter(name string) tea.Cmd {
	ms := m.cfg.Fleet.Master(name)
	if ms == nil {
		return nil
	}
	if !ms.Migratable() {
		m.note = name + ": " + ms.Why
		return nil
	}
	var cmds []tea.Cmd
	s := m.subs[name]
	if s == nil {
		cfg, err := m.cfg.Open(ms)
		if err != nil {
			m.note = name + ": " + err.Error()
			return nil
		}
		p := newPace(max(0, m.cfg.SlowTick-cfg.Tick))
		cfg.Source, cfg.Target = pacedNode{p, cfg.Source}, pacedNode{p, cfg.Target}
		for i := range cfg.Sentinels {
			cfg.Sentinels[i].Poller = pacedSentinel{p, cfg.Sentinels[i].Poller}
		}
		if cfg.Guide != nil && cfg.Guide.Runner != nil {
			cfg.Guide.Gate = turnGate(m.cfg.Turns, name)
		}
		s = ui.New(m.ctx, cfg)
		m.subs[name], m.paces[name] = s, p
		cmds = append(cmds, tagCmd(name, s.Init()))
		if m.bg != nil {
			cmds = append(cmds, m.toSub(name, s, m.bg))
		}
	}
	m.paces[name].setFocus(true)
	m.focus = name
	if m.width > 0 {
		cmds = append(cmds, m.toSub(name, s, m.subSize()))
	}
	return tea.Batch(cmds...)
}

// key handles a key on the fleet screen.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.keys.Interrupt) {
		return tea.Quit
	}
	if m.typing {
		switch k.String() {
		case "enter", "esc":
			m.typing = false
			if k.String() == "esc" {
				m.filter = ""
			}
		case "backspace":
			if r := []rune(m.filter); len(r) > 0 {
				m.filter = string(r[:len(r)-1])
			}
		default:
			if t := k.Text; t != "" {
				m.filter += t
			}
		}
		m.rowsDirty = true
		return nil
	}
	page := max(1, m.tableRows()-1)
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Up):
		m.move(-1)
	case key.Matches(k, m.keys.Down):
		m.move(1)
	case key.Matches(k, m.keys.PageUp):
		m.move(-page)
	case key.Matches(k, m.keys.PageDn):
		m.move(page)
	case key.Matches(k, m.keys.Top):
		m.move(-len(m.rows))
	case key.Matches(k, m.keys.Bottom):
		m.move(len(m.rows))
	case key.Matches(k, m.keys.Filter):
		m.typing = true
	case key.Matches(k, m.keys.Phase):
		m.phaseIdx = (m.phaseIdx + 1) % (len(fleet.Phases) + 1)
		m.rowsDirty = true
	case key.Matches(k, m.keys.Sort):
		m.sortBy = (m.sortBy + 1) % 3
		m.rowsDirty = true
	case key.Matches(k, m.keys.Report) && m.cfg.Report != nil:
		write := m.cfg.Report
		return func() tea.Msg {
			p, err := write()
			return fleetReportMsg{path: p, err: err}
		}
	case k.String() == "esc":
		m.filter, m.phaseIdx = "", 0
		m.rowsDirty = true
	case key.Matches(k, m.keys.Enter):
		m.refreshRows()
		if m.cursor < len(m.shown) {
			return m.enter(m.rows[m.shown[m.cursor]].Master)
		}
	}
	return nil
}

func (m *Model) move(d int) {
	m.refreshRows()
	m.cursor = max(0, min(len(m.shown)-1, m.cursor+d))
}

// ReportPath is where the Report key last wrote the fleet's report, ""
// before it did.
func (m *Model) ReportPath() string { return m.report }

// Focus is the master on screen, "" for the fleet table.
func (m *Model) Focus() string { return m.focus }

// Master is the entered master's model, nil if never entered.
func (m *Model) Master(name string) *ui.Model { return m.subs[name] }

// Rows are the rows as last derived (every master, by name).
func (m *Model) Rows() []fleet.Row {
	m.refreshRows()
	return m.rows
}

// Stop stops every entered master's running step the safe way (see
// Checklist.Stop).
func (m *Model) Stop(say func(string)) {
	for name, s := range m.subs {
		if c := s.Checklist(); c != nil {
			c.Stop(func(t string) { say(name + ": " + t) })
		}
	}
}

// Run shows the fleet full-screen until the operator quits.
func Run(ctx context.Context, cfg Config, opts ...tea.ProgramOption) error {
	if !ui.IsTerminal() {
		return ui.ErrNoTerminal
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if ui.NoColor() {
		opts = append([]tea.ProgramOption{tea.WithColorProfile(colorprofile.ASCII)}, opts...)
	}
	// Ten frames a second, as the single master's screen (ui.Run says
	// why): Bubble Tea's renderer wakes at every frame, changed or not,
	// and those wake-ups are the largest part of an idle fleet's cost
	// after its polls. A key still shows within 100 ms.
	opts = append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(10)}, opts...)
	m := New(ctx, cfg)
	_, err := tea.NewProgram(m, opts...).Run()
	m.Stop(func(s string) { fmt.Fprintln(os.Stderr, "flyover: "+s) })
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("fleet: %w", err)
	}
	return nil
}
