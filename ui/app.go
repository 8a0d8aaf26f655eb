package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"flyover/steps"
	"flyover/ui/checklist"
	"flyover/ui/common"
	"flyover/ui/dashboard"
)

// Panel is a component shown beside the dashboard: the checklist. The root
// model gives it its messages, its share of the screen and its keys.
type Panel interface {
	Init() tea.Cmd
	// Update handles a message. A key it does not use is left to the
	// dashboard; handled reports whether it used it.
	Update(msg tea.Msg) (cmd tea.Cmd, handled bool)
	// Width is how many columns the panel wants out of total; 0 hides it.
	Width(total int) int
	SetSize(w, h int)
	// View is the panel, exactly the size it was given.
	View() string
	// Help lists the panel's keys for the footer.
	Help() []key.Binding
}

// layoutKeyer is a panel whose keys (or width) change with its state:
// the root model lays the screen out again when the key changes.
type layoutKeyer interface{ LayoutKey() string }

// Model is the root model: the dashboard, room for a side panel, the mode,
// and the footer.
type Model struct {
	cfg    common.Config
	styles common.Styles
	keys   common.KeyMap
	help   help.Model
	mode   common.Mode

	Dash *dashboard.Dashboard
	side Panel
	// session is what this process has seen and done (the in-sync
	// streak among it): fed here, on every poll, and read by all.
	session *steps.Session
	Guide   *checklist.Checklist // the guided checklist, when cfg.Guide is set

	width, height int
	sideWidth     int
	modal         bool // the side panel has the whole width (a step's questions)
	top           int  // lines above the body: the header beside a panel, warnings
	footer        string
	content       string // dashboard and side panel, composed in View
	frame         string // content and footer: what View hands over
	dirty         bool   // content is stale: View composes it again
	panelKey      string // the panel's LayoutKey at the last layout
	// redraw coalesces the polls' results (Config.Redraw): unseen, the
	// components have not observed the latest ones yet (unseenSource: a
	// poll of the source among them); the redraw's tick, or any other
	// message first, hands them over.
	redraw       common.Redraw
	unseen       bool
	unseenSource bool
	// drawn is what the last composed frame showed of the news (framed).
	drawn news
}

// redrawMsg is the coalesced redraw's tick: observe and draw what the
// polls brought since the last frame.
type redrawMsg struct{}

// New builds the root model. ctx bounds every poll and every step.
func New(ctx context.Context, cfg common.Config) *Model {
	cfg.Defaults()
	m := &Model{cfg: cfg, styles: common.DefaultStyles(true), keys: common.DefaultKeyMap(), help: help.New()}
	m.help.Styles = m.styles.Help
	m.session = steps.NewSession()
	if g := m.cfg.Guide; g != nil {
		if g.Session == nil {
			g.Session = steps.NewSession()
		}
		m.session = g.Session
	}
	if cfg.Redraw > 0 && cfg.Redraw < cfg.Tick/2 {
		m.redraw.Every = cfg.Redraw
	}
	m.Dash = dashboard.New(ctx, cfg, &m.styles)
	if m.cfg.Guide != nil {
		m.Guide = checklist.New(ctx, &m.cfg, &m.styles)
		m.SetPanel(m.Guide)
	}
	m.observe(false) // the starting state: nothing has answered yet
	return m
}

// SetPanel puts a panel beside the dashboard (the checklist). The header
// then runs across the whole width, above both.
func (m *Model) SetPanel(p Panel) {
	m.side = p
	m.Dash.ShowHeader(p == nil)
	m.layout()
}

// Checklist is the guided checklist, nil without Config.Guide.
func (m *Model) Checklist() *checklist.Checklist { return m.Guide }

// Dashboard is the embedded dashboard.
func (m *Model) Dashboard() *dashboard.Dashboard { return m.Dash }

// Mode is the current input mode.
func (m *Model) Mode() common.Mode { return m.mode }

// Init asks the terminal for its background colour (light or dark
// styles) and starts the polls.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.Dash.Init()}
	if m.side != nil {
		cmds = append(cmds, m.side.Init())
	}
	return tea.Batch(cmds...)
}

// Update routes a message: window and terminal facts here, keys by mode,
// everything else to the components.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.cfg.Debug && m.cfg.Log != nil {
		m.cfg.Log.Printf("msg %s", describeMsg(msg))
	}
	if s, ok := msg.(common.SentinelPolledMsg); ok && m.Dash.Repeats(s) {
		// Most polls of a Sentinel say again what it said: nothing to
		// derive, plan or draw (six of ten poll results a second with
		// three Sentinels). Its poll is re-armed all the same, slower
		// while nothing moves, which the header then says.
		quiet := m.Dash.Quiet()
		cmd := m.Dash.KeepSentinel(s)
		if m.Dash.Quiet() != quiet {
			m.invalidate()
		}
		return m, cmd
	}
	defer m.moving(msg)
	if m.redraw.Every > 0 {
		switch msg.(type) {
		case common.NodePolledMsg, common.SentinelPolledMsg:
			return m, m.pollLater(msg)
		case redrawMsg:
			m.redraw.Fire()
			if !m.unseen {
				return m, nil // a key drew them already
			}
			cmd := m.catchUp()
			if m.news() != m.drawn {
				m.invalidate()
			}
			return m, cmd
		}
		// Anything else (a key first of all) sees, and draws, what the
		// polls brought: at once, as without coalescing.
		cmd := m.catchUp()
		return m, tea.Batch(cmd, m.route(msg))
	}
	return m, m.route(msg)
}

// route is Update's work for everything but coalesced polls.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	defer m.invalidate() // whatever the message did, the next View shows it
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.BackgroundColorMsg:
		m.styles = common.DefaultStyles(msg.IsDark())
		m.help.Styles = m.styles.Help
		m.Dash.SetStyles(&m.styles)
		if m.Guide != nil {
			m.Guide.SetStyles(&m.styles)
		}
		m.layout()
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case common.ModeMsg:
		m.mode = msg.Mode
		m.layout() // the footer's keys change with the mode
		return nil
	case common.NodePolledMsg, common.SentinelPolledMsg:
		rearm, cmd := m.polled(msg)
		return tea.Batch(rearm, cmd)
	case common.SentinelEventsMsg:
		for _, e := range msg.Events {
			m.session.ObserveEvent(m.cfg.Topo, e)
		}
	}
	cmd := m.Dash.Update(msg)
	if m.side != nil {
		c, _ := m.side.Update(msg)
		cmd = tea.Batch(cmd, c)
	}
	return cmd
}

// polled takes one poll result: the dashboard keeps it and derives the
// snapshot (rearm is that endpoint's next poll), then every component
// observes the result.
func (m *Model) polled(msg tea.Msg) (rearm, cmd tea.Cmd) {
	rearm = m.Dash.Update(msg)
	n, ok := msg.(common.NodePolledMsg)
	return rearm, m.observe(ok && n.Which == common.SourceNode)
}

// pollLater takes one poll result with Config.Redraw: the dashboard keeps
// it and the session counts it now, as polled does; the components
// observe it, and the screen shows it, at the redraw's tick, together
// with the results that land before.
func (m *Model) pollLater(msg tea.Msg) tea.Cmd {
	rearm := m.Dash.Update(msg)
	n, ok := msg.(common.NodePolledMsg)
	source := ok && n.Which == common.SourceNode
	common.Witness(m.session, m.Dash.Snapshot(), source)
	m.unseen, m.unseenSource = true, m.unseenSource || source
	return tea.Batch(rearm, m.redraw.Arm(redrawMsg{}))
}

// catchUp hands the components what the polls brought since they last
// observed, if anything.
func (m *Model) catchUp() tea.Cmd {
	if !m.unseen {
		return nil
	}
	source := m.unseenSource
	m.unseen, m.unseenSource = false, false
	return m.hand(common.Observed(m.session, m.cfg.Topo, m.Dash.Snapshot(), m.Dash.Ready(), source))
}

// observe feeds the session and hands the observation to every
// component (common.Observe).
func (m *Model) observe(sourcePolled bool) tea.Cmd {
	return m.hand(common.Observe(m.session, m.cfg.Topo, m.Dash.Snapshot(), m.Dash.Ready(), sourcePolled))
}

// hand gives an observation to every component.
func (m *Model) hand(o common.ObservedMsg) tea.Cmd {
	m.Dash.Update(o)
	if m.side == nil {
		return nil
	}
	cmd, _ := m.side.Update(o)
	return cmd
}

// invalidate marks the screen stale; View composes it again.
func (m *Model) invalidate() { m.dirty = true }

// refresh lays the screen out again when the panel's keys (or width)
// changed, and composes it.
func (m *Model) refresh() {
	if lk, ok := m.side.(layoutKeyer); ok && lk.LayoutKey() != m.panelKey {
		m.layout()
	}
	m.compose()
	m.frame = m.content + "\n" + m.footer
	m.dirty = false
	m.drawn = m.news()
}

// key handles a key press by mode.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.keys.Interrupt) {
		return tea.Quit // in every mode
	}
	switch m.mode {
	case common.ModeNormal:
		if m.side != nil {
			if cmd, handled := m.side.Update(k); handled {
				return cmd
			}
		}
		switch {
		case key.Matches(k, m.keys.Quit):
			return tea.Quit
		case key.Matches(k, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
			m.layout()
		case key.Matches(k, m.keys.EventsUp):
			m.Dash.ScrollEvents(-1)
		case key.Matches(k, m.keys.EventsDn):
			m.Dash.ScrollEvents(1)
		case key.Matches(k, m.keys.PageUp):
			m.Dash.ScrollEvents(-m.Dash.EventsPage())
		case key.Matches(k, m.keys.PageDn):
			m.Dash.ScrollEvents(m.Dash.EventsPage())
		case key.Matches(k, m.keys.EventsTop):
			m.Dash.ScrollEventsTop()
		}
	default:
		// A question is open: its panel owns the keyboard.
		if m.side != nil {
			cmd, _ := m.side.Update(k)
			return cmd
		}
	}
	return nil
}

// helpKeys is the footer's key map: the panel's keys first, then ours.
type helpKeys struct {
	keys  common.KeyMap
	panel []key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding { return append(h.panel, h.keys.ShortHelp()...) }
func (h helpKeys) FullHelp() [][]key.Binding {
	if len(h.panel) == 0 {
		return h.keys.FullHelp()
	}
	return append([][]key.Binding{h.panel}, h.keys.FullHelp()...)
}

// layout shares the screen out after a resize, a style change or the help
// opening: footer at the bottom, the side panel on the right.
func (m *Model) layout() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	hk := helpKeys{keys: m.keys}
	if lk, ok := m.side.(layoutKeyer); ok {
		m.panelKey = lk.LayoutKey()
	}
	if m.side != nil {
		hk.panel = m.side.Help()
		if m.mode != common.ModeNormal {
			hk.keys = common.KeyMap{Quit: m.keys.Interrupt}
		}
	}
	m.help.SetWidth(m.width)
	m.footer = m.renderFooter(hk)
	fh := strings.Count(m.footer, "\n") + 1
	m.top = len(m.warningLines())
	if m.side != nil {
		m.top++ // the header
	}
	bodyH := max(1, m.height-fh-m.top)
	m.sideWidth, m.modal = 0, false
	sepW := lipgloss.Width(m.separator())
	if m.side != nil {
		sw := m.side.Width(m.width)
		if m.modal = sw >= m.width; m.modal {
			sw = m.width
		} else {
			sw = min(sw, m.width-dashboard.MinDashWidth-sepW)
		}
		m.sideWidth = max(0, sw)
		if m.sideWidth > 0 {
			m.side.SetSize(m.sideWidth, bodyH)
		}
	}
	dw := m.width
	if m.sideWidth > 0 && !m.modal {
		dw = m.width - m.sideWidth - sepW
	}
	m.Dash.SetSize(dw, bodyH)
	m.invalidate()
}

// maxWarnings bounds the warning lines at the top of the screen.
const maxWarnings = 3

// warningLines are the operator's warnings (a password on the command
// line, TLS verification off), one loud line each, on every screen.
func (m *Model) warningLines() []string {
	var out []string
	for i, w := range m.cfg.Warnings {
		if i == maxWarnings {
			out[i-1] = m.styles.BadgeBad.Render(" WARNING ") + " " + m.styles.Paint(common.ToneBad, fmt.Sprintf("%d more warnings: see the log", len(m.cfg.Warnings)-i+1))
			break
		}
		out = append(out, m.styles.BadgeBad.Render(" WARNING ")+" "+m.styles.Paint(common.ToneBad, w))
	}
	return out
}

// renderFooter is the key help, with where the log goes when there is room.
func (m *Model) renderFooter(hk helpKeys) string {
	if m.help.ShowAll {
		lines := strings.Split(m.fullHelp(hk), "\n")
		for i := range lines {
			lines[i] = common.Fit(lines[i], m.width)
		}
		return strings.Join(lines, "\n")
	}
	h := m.keyLine(hk)
	hw := ansi.StringWidth(h)
	if m.cfg.LogPath != "" {
		note := "log " + m.cfg.LogPath
		if hw+4+ansi.StringWidth(note) <= m.width {
			return h + strings.Repeat(" ", m.width-hw-ansi.StringWidth(note)) + m.styles.Paint(common.ToneMuted, note)
		}
	}
	return common.Fit(h, m.width)
}

// separator is the rule between the dashboard and the side panel.
func (m *Model) separator() string { return m.styles.Rule.Render("│") }

// compose joins the header, the warnings, the dashboard and the side
// panel into the body.
func (m *Model) compose() {
	body := m.Dash.View()
	switch {
	case m.side != nil && m.modal:
		body = m.side.View()
	case m.side != nil && m.sideWidth > 0:
		// Both frames are exactly the size layout gave them (the view
		// tests check every size): joined as they are, not measured
		// again, which cost more than drawing them.
		side := m.side.View()
		left, right := strings.Split(body, "\n"), strings.Split(side, "\n")
		sep := m.separator()
		var b strings.Builder
		b.Grow(len(body) + len(side) + len(left)*(len(sep)+1))
		for i := range left {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(left[i])
			b.WriteString(sep)
			if i < len(right) {
				b.WriteString(right[i])
			}
		}
		body = b.String()
	}
	if m.top == 0 {
		m.content = body
		return
	}
	var b strings.Builder
	if m.side != nil {
		b.WriteString(m.Dash.HeaderLine(m.width))
		b.WriteByte('\n')
	}
	for _, w := range m.warningLines() {
		b.WriteString(common.Fit(w, m.width))
		b.WriteByte('\n')
	}
	b.WriteString(body)
	m.content = b.String()
}

// View is the screen, composed again when Update changed anything.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "flyover · " + m.cfg.Topo.MasterName
	if m.width <= 0 {
		v.SetContent("flyover: starting…")
		return v
	}
	if m.dirty {
		m.refresh()
	}
	v.SetContent(m.frame)
	return v
}

// ErrNoTerminal: the dashboard was started without a terminal to draw on.
var ErrNoTerminal = errors.New("the live dashboard needs a terminal, and standard output is not one")

// IsTerminal reports whether standard output is a terminal the dashboard
// can draw on.
func IsTerminal() bool { return term.IsTerminal(os.Stdout.Fd()) }

// NoColor reports whether the user asked for no colour (https://no-color.org:
// NO_COLOR set to anything but the empty string).
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }

// Run shows the dashboard full-screen until the operator quits.
func Run(ctx context.Context, cfg common.Config, opts ...tea.ProgramOption) error {
	if !IsTerminal() {
		return ErrNoTerminal
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends polls still in flight
	if NoColor() {
		// Bold, faint and reverse stay: badges remain badges.
		opts = append([]tea.ProgramOption{tea.WithColorProfile(colorprofile.ASCII)}, opts...)
	}
	if err := checkConfig(&cfg); err != nil {
		return err
	}
	// Bubble Tea's renderer (v2.1) wakes at every frame, changed or not:
	// a ticker runs for the program's whole life, and no option stops it
	// while nothing changed. Those wake-ups are the largest idle cost (each
	// one also wakes the Go scheduler's threads): on a 2-vCPU lab 30 frames
	// a second measured 1.33% of a core, 20 frames 0.97%, 10 frames 0.73%;
	// with the Sentinels paced, 20 frames 149 wake-ups a second, 10 frames
	// 125. 10 draws a key within 100 ms, 50 on average: still at once to
	// a person (typing a name into a question included). A step's
	// progress (100 ms ticks) and the polls (500 ms) are not slowed.
	opts = append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(10)}, opts...)
	if cfg.Redraw == 0 {
		// The polls of one tick land within milliseconds of each other
		// (common.onGrid): observed and drawn once, not once each.
		cfg.Redraw = 50 * time.Millisecond
	}
	m := New(ctx, cfg)
	_, err := tea.NewProgram(m, opts...).Run()
	if c := m.Checklist(); c != nil {
		// Quitting (Ctrl-C included) never leaves a step half done: the
		// cutover unpauses before SENTINEL FAILOVER and finishes the
		// fence after it.
		c.Stop(func(s string) { fmt.Fprintln(os.Stderr, "flyover: "+s) })
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// ErrAutoplayOutsideLab: autoplay confirms every step by itself, which
// only a lab may allow.
var ErrAutoplayOutsideLab = errors.New("autoplay answers the questions by itself: it runs in a lab only")

// check refuses a configuration that must not run.
func checkConfig(c *common.Config) error {
	if c.Guide != nil && c.Guide.Autoplay && c.Lab == "" {
		return ErrAutoplayOutsideLab
	}
	return nil
}

// describeMsg is a message in one line for the debug log: its type and the
// fields that tell one from the next, never a whole INFO reply.
func describeMsg(msg tea.Msg) string {
	switch m := msg.(type) {
	case common.NodePolledMsg:
		return fmt.Sprintf("nodePolled %s %s reachable=%t rtt=%s err=%q", m.Which, m.Node.Addr, m.Node.Reachable, m.Node.RTT, m.Node.Error)
	case common.SentinelPolledMsg:
		return fmt.Sprintf("sentinelPolled #%d %s reachable=%t master=%s err=%q", m.Index, m.View.Addr, m.View.Reachable, m.View.MasterAddr, m.View.Error)
	case common.SentinelEventsMsg:
		var b strings.Builder
		for _, e := range m.Events {
			fmt.Fprintf(&b, " [%s %s %s]", e.Sentinel, e.Type, e.Message)
		}
		return fmt.Sprintf("sentinelEvents n=%d closed=%t%s", len(m.Events), m.Closed, b.String())
	case tea.KeyPressMsg:
		return "key " + m.String()
	case tea.WindowSizeMsg:
		return fmt.Sprintf("windowSize %dx%d", m.Width, m.Height)
	}
	// Only the type: some messages (tea.EnvMsg) carry the environment,
	// passwords included.
	return fmt.Sprintf("%T", msg)
}
