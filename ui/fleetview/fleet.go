// The fleet: every master a Sentinel set monitors, one row each, and the
// single-master dashboard with its checklist for the one the operator
// enters.

package fleetview

import (
	"context"
	"log"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/fleet"
	"flyover/probe"
	"flyover/probe/events"
	"flyover/ui"
	"flyover/ui/common"
)

// Config is what the fleet screen watches, and how.
type Config struct {
	Fleet *fleet.Fleet
	State *fleet.State
	Turns *fleet.Turns
	// Events are every Sentinel event of the fleet (events.WatchSentinels
	// over the fleet's Sentinels); nil for none. Open's configs get each
	// master's own share.
	Events <-chan events.Event
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
	names     nameFit     // the MASTER column's names at this width
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
	// itself: SlowTick, or longer for a fleet past Config.MaxPolls; in
	// slots a Tick apart (common.Slots), master i in slot i, so that the
	// polls of an idle fleet land on a few instants a second.
	every time.Duration
	slots common.Slots
	slot  map[string]int // a master's index, its slot

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
	m.slots, m.slot = common.Slots{Every: m.every, Step: cfg.Tick}, map[string]int{}
	for i, ms := range cfg.Fleet.Masters {
		m.slot[ms.Name] = i
	}
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
		events []events.Event
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
		cmds = append(cmds, m.pollNodes(ms, false))
	}
	for i := range m.cfg.Fleet.Sentinels {
		cmds = append(cmds, m.pollSentinel(i, false))
	}
	if m.cfg.Events != nil {
		cmds = append(cmds, m.waitEvents())
	}
	return tea.Batch(cmds...)
}

// pollNodes polls master ms's nodes: at once, or after its slot's wait.
func (m *Model) pollNodes(ms *fleet.Master, wait bool) tea.Cmd {
	ctx, slots, slot := m.ctx, m.slots, m.slot[ms.Name]
	return func() tea.Msg {
		if wait && !common.Sleep(ctx, slots.Wait(time.Now(), slot)) {
			return nil
		}
		src, tgt := ms.PollNodes(ctx)
		return fleetNodesMsg{name: ms.Name, src: src, tgt: tgt}
	}
}

// pollSentinel polls Sentinel i: at once, or after the first slot's
// wait (the Sentinels land with the masters of slot 0).
func (m *Model) pollSentinel(i int, wait bool) tea.Cmd {
	ctx, f, st, slots := m.ctx, m.cfg.Fleet, m.cfg.State, m.slots
	return func() tea.Msg {
		if wait && !common.Sleep(ctx, slots.Wait(time.Now(), 0)) {
			return nil
		}
		// The replica lists the rows read now, not when the wait began.
		ms, err := f.Sentinels[i].SentinelMasters(ctx, st.ReplicasWanted())
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
		return m, tea.Batch(m.pollNodes(m.cfg.Fleet.Master(msg.name), true), m.arm())
	case fleetSentinelMsg:
		m.cfg.State.Sentinel(msg.i, msg.masters, msg.err)
		m.rowsDirty = true
		return m, tea.Batch(m.pollSentinel(msg.i, true), m.arm())
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
