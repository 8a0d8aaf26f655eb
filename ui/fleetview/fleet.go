// The fleet: every master a Sentinel set monitors, one row each, and the
// single-master dashboard with its checklist for the one the operator
// enters.

package fleetview

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path"
	"reflect"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"flyover/fleet"
	"flyover/probe"
	"flyover/ui"
	"flyover/ui/common"
)

// Config is what the fleet screen watches, and how.
type Config struct {
	Fleet *fleet.Fleet
	State *fleet.State
	Turns *fleet.Turns
	// Events are every Sentinel event of the fleet (probe.WatchSentinels
	// over the fleet's Sentinels); nil for none. Open's configs get each
	// master's own share.
	Events <-chan probe.Event
	// Open builds the single-master configuration of m, as flyover alone
	// builds it (its guide, its view of the audit log, its events), the
	// first time the operator enters it.
	Open func(m *fleet.Master) (common.Config, error)
	// Tick is the master in focus's poll interval (default 500 ms);
	// SlowTick every other master's (default 2 s), and the Sentinels'.
	Tick, SlowTick time.Duration
	// MaxPolls bounds the fleet's own polls (default 40 masters a
	// second): a fleet of more than MaxPolls*SlowTick masters polls each
	// master, and each Sentinel, less often than SlowTick (200 masters:
	// every 5 s). Every poll costs flyover a round trip to a source and
	// one to a target, and the table shows phases, which change slowly.
	MaxPolls int
	// Redraw is how often at most the polls' results redraw the screen
	// (default 200 ms): with 200 masters, 100 polls land each second, and
	// one frame shows all those since the last. A key redraws at once.
	Redraw   time.Duration
	Warnings []string
	Log      *log.Logger
	// Report writes the fleet's report (a row per master, from the one
	// audit log) and returns its path; nil when no log is kept. The
	// Report key runs it.
	Report func() (string, error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Tick <= 0 {
		c.Tick = 500 * time.Millisecond
	}
	if c.SlowTick <= 0 {
		c.SlowTick = 2 * time.Second
	}
	if c.MaxPolls <= 0 {
		c.MaxPolls = 40
	}
	if c.Redraw <= 0 {
		c.Redraw = 200 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.State == nil {
		c.State = fleet.NewState(c.Fleet)
	}
	if c.Turns == nil {
		c.Turns = fleet.NewTurns(1)
	}
}

// fleetSort is what the rows are sorted by.
type fleetSort int

const (
	sortName fleetSort = iota
	sortPhase
	sortLag
)

func (s fleetSort) String() string { return [...]string{"name", "phase", "lag"}[s] }

// Model is the fleet's root model: the table of masters, and the
// master the operator entered, if any.
type Model struct {
	cfg    Config
	ctx    context.Context
	styles common.Styles
	keys   KeyMap

	width, height int
	bg            tea.Msg // the terminal's background colour, for masters entered later

	rows      []fleet.Row // every master, latest
	shown     []int       // indexes into rows: filtered and sorted
	cursor    int         // index into shown
	top       int         // first shown row on screen
	filter    string
	typing    bool // the filter is being typed
	phaseIdx  int  // 0: every phase; else fleet.Phases[phaseIdx-1]
	sortBy    fleetSort
	note      string
	rowsDirty bool
	// frame is the screen as last drawn; dirty: something on it changed
	// and View draws it again. A poll's result only arms the redraw,
	// whose tick sets dirty: polls redraw at most once per Config.Redraw.
	frame  tea.View
	dirty  bool
	redraw common.Redraw

	// every is how often the fleet polls each master and Sentinel
	// itself: SlowTick, or longer for a fleet past Config.MaxPolls.
	every time.Duration

	subs  map[string]*ui.Model // entered masters, by name
	paces map[string]*pace
	focus string // the master on screen, "" for the table
	// report is where the fleet's report was last written ("" before).
	report string
}

// KeyMap is the fleet screen's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDn, Top, Bottom key.Binding
	Enter, Filter, Phase, Sort, Quit      key.Binding
	Report                                key.Binding // the fleet's report, now
	Back                                  key.Binding // from a master back to the fleet
	Interrupt                             key.Binding
}

// DefaultKeyMap is the fleet's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up: common.Bind("↑/k", "up", "up", "k"), Down: common.Bind("↓/j", "down", "down", "j"),
		PageUp: common.Bind("pgup", "page up", "pgup"), PageDn: common.Bind("pgdn", "page down", "pgdown", "space"),
		Top: common.Bind("g", "first", "home", "g"), Bottom: common.Bind("G", "last", "end", "G"),
		Enter:     common.Bind("enter", "open the master", "enter"),
		Filter:    common.Bind("/", "filter by name", "/"),
		Phase:     common.Bind("p", "filter by phase", "p"),
		Sort:      common.Bind("s", "sort", "s"),
		Quit:      common.Bind("q", "quit", "q"),
		Report:    common.Bind("r", "write the fleet report", "r"),
		Back:      common.Bind("esc/←", "back to the fleet", "esc", "left"),
		Interrupt: common.Bind("ctrl+c", "quit", "ctrl+c"),
	}
}

// New builds the fleet's root model. ctx bounds every poll and step.
func New(ctx context.Context, cfg Config) *Model {
	cfg.defaults()
	m := &Model{cfg: cfg, ctx: ctx, styles: common.DefaultStyles(true), keys: DefaultKeyMap(),
		subs: map[string]*ui.Model{}, paces: map[string]*pace{}, dirty: true, rowsDirty: true, redraw: common.Redraw{Every: cfg.Redraw}}
	m.every = max(cfg.SlowTick, time.Duration(len(cfg.Fleet.Masters))*time.Second/time.Duration(cfg.MaxPolls))
	m.refreshRows()
	return m
}

// Messages of the fleet screen.
type (
	fleetNodesMsg struct {
		name     string
		src, tgt probe.Node
	}
	fleetSentinelMsg struct {
		i       int
		masters []probe.MonitoredMaster
		err     error
	}
	fleetEventsMsg struct {
		events []probe.Event
		closed bool
	}
	// fleetReportMsg: the fleet's report was written to path, or not.
	fleetReportMsg struct {
		path string
		err  error
	}
	// fleetRedrawMsg: draw what the polls changed since the last frame.
	fleetRedrawMsg struct{}
	// masterMsg is a message of an entered master's model, tagged with
	// the master so that it reaches that model whichever is on screen.
	masterMsg struct {
		name string
		msg  tea.Msg
	}
)

// Init starts every poll: each master's nodes and each Sentinel on their
// own chains, re-armed by their own results.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	for _, ms := range m.cfg.Fleet.Masters {
		cmds = append(cmds, m.pollNodes(ms, 0))
	}
	for i := range m.cfg.Fleet.Sentinels {
		cmds = append(cmds, m.pollSentinel(i, 0))
	}
	if m.cfg.Events != nil {
		cmds = append(cmds, m.waitEvents())
	}
	return tea.Batch(cmds...)
}

func (m *Model) pollNodes(ms *fleet.Master, delay time.Duration) tea.Cmd {
	ctx := m.ctx
	return func() tea.Msg {
		if !common.Sleep(ctx, delay) {
			return nil
		}
		src, tgt := ms.PollNodes(ctx)
		return fleetNodesMsg{name: ms.Name, src: src, tgt: tgt}
	}
}

func (m *Model) pollSentinel(i int, delay time.Duration) tea.Cmd {
	ctx, f := m.ctx, m.cfg.Fleet
	want := f.ReplicasWanted()
	return func() tea.Msg {
		if !common.Sleep(ctx, delay) {
			return nil
		}
		ms, err := f.Sentinels[i].SentinelMasters(ctx, want)
		return fleetSentinelMsg{i: i, masters: ms, err: err}
	}
}

func (m *Model) waitEvents() tea.Cmd {
	inner := common.WaitEvents(m.ctx, m.cfg.Events)
	return func() tea.Msg {
		e, _ := inner().(common.SentinelEventsMsg)
		return fleetEventsMsg{events: e.Events, closed: e.Closed}
	}
}

// Update routes a message: the fleet's own polls here, a master's tagged
// messages to that master, keys to the screen in front.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case fleetNodesMsg, fleetSentinelMsg, fleetEventsMsg, fleetRedrawMsg:
		// Polls are drawn by the next redraw.
	case masterMsg:
		// An entered master's own messages change the screen when it is
		// on screen; off screen, only its row, as a poll does.
		m.dirty = m.dirty || msg.name == m.focus
	default:
		m.dirty = true
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		var cmds []tea.Cmd
		for name, s := range m.subs {
			cmds = append(cmds, m.toSub(name, s, m.subSize()))
		}
		return m, tea.Batch(cmds...)
	case tea.BackgroundColorMsg:
		m.bg = msg
		m.styles = common.DefaultStyles(msg.IsDark())
		var cmds []tea.Cmd
		for name, s := range m.subs {
			cmds = append(cmds, m.toSub(name, s, msg))
		}
		return m, tea.Batch(cmds...)
	case fleetNodesMsg:
		if m.subs[msg.name] != nil {
			// The master's dashboard polls its nodes now (paced when out
			// of focus), and its row follows those polls: this one is
			// older, and the fleet's own polls of it end here.
			return m, nil
		}
		m.nodes(msg.name, msg.src, msg.tgt)
		return m, tea.Batch(m.pollNodes(m.cfg.Fleet.Master(msg.name), m.every), m.arm())
	case fleetSentinelMsg:
		m.cfg.State.Sentinel(msg.i, msg.masters, msg.err)
		m.rowsDirty = true
		return m, tea.Batch(m.pollSentinel(msg.i, m.every), m.arm())
	case fleetEventsMsg:
		for _, e := range msg.events {
			m.cfg.State.Event(e)
		}
		m.rowsDirty = true
		if msg.closed {
			return m, m.arm()
		}
		return m, tea.Batch(m.waitEvents(), m.arm())
	case fleetRedrawMsg:
		// With a master on screen the table waits for the way back (a
		// key, which draws).
		pending := m.redraw.Fire()
		m.dirty = m.dirty || pending && m.focus == ""
		return m, nil
	case fleetReportMsg:
		if msg.err != nil {
			m.note = "fleet report: " + msg.err.Error()
		} else {
			m.report = msg.path
			m.note = "fleet report written to " + msg.path
		}
		return m, nil
	case masterMsg:
		s := m.subs[msg.name]
		if s == nil {
			return m, nil
		}
		m.rowsDirty = true
		cmd := m.toSub(msg.name, s, msg.msg)
		if _, ok := msg.msg.(common.NodePolledMsg); ok {
			// One poll of a master, one row: its row is what its
			// dashboard just saw.
			if snap := s.Dashboard().Snapshot(); !snap.Source.PolledAt.IsZero() && !snap.Target.PolledAt.IsZero() {
				m.nodes(msg.name, snap.Source, snap.Target)
			}
		}
		if msg.name != m.focus {
			cmd = tea.Batch(cmd, m.arm())
		}
		return m, cmd
	case tea.KeyPressMsg:
		if m.focus != "" {
			return m, m.subKey(msg)
		}
		return m, m.key(msg)
	}
	// Anything else (a component's own message) goes to the master on
	// screen, if any.
	if s := m.subs[m.focus]; s != nil {
		return m, m.toSub(m.focus, s, msg)
	}
	return m, nil
}

// arm arms the next redraw of what the polls changed, unless one is
// armed already.
func (m *Model) arm() tea.Cmd { return m.redraw.Arm(fleetRedrawMsg{}) }

// nodes takes a poll of master name's source and target into its row and
// its turn.
func (m *Model) nodes(name string, src, tgt probe.Node) {
	m.cfg.State.Nodes(name, src, tgt)
	m.cfg.Turns.Observe(name, m.cfg.State.Row(name).Phase)
	m.rowsDirty = true
}

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
	opts = append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(30)}, opts...)
	m := New(ctx, cfg)
	_, err := tea.NewProgram(m, opts...).Run()
	m.Stop(func(s string) { fmt.Fprintln(os.Stderr, "flyover: "+s) })
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("fleet: %w", err)
	}
	return nil
}
