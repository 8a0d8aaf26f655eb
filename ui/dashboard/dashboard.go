package dashboard

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/switchover"
	"flyover/ui/common"
)

// nodeState is the latest word from one data node.
type nodeState struct {
	addr     string
	poller   common.NodePoller
	node     probe.Node
	polled   bool // at least one result has arrived
	InFlight bool // a poll (or its wait) is running
}

// sentinelState is the latest word from one Sentinel.
type sentinelState struct {
	addr     string
	label    string // s1, s2, ... as the timeline names it
	poller   common.SentinelPoller
	view     probe.SentinelView
	polled   bool
	InFlight bool
}

// Dashboard is the live view of the topology: it owns the polls, keeps
// the latest result per endpoint, derives a Snapshot from them and renders
// it. It does no I/O itself: polls run in tea.Cmds and come back as
// messages. The root Model embeds it; a checklist panel sits beside it.
type Dashboard struct {
	cfg    common.Config
	ctx    context.Context
	styles *common.Styles

	Width, height int

	Source, Target nodeState
	Sentinels      []sentinelState
	labels         map[string]string // Sentinel address -> label

	snap    probe.Snapshot
	hasSnap bool
	// srcPrev is the snapshot as of the source poll before the latest
	// one, and srcSnap the one derived at the latest. Derive computes
	// rates between source polls, so every snapshot derived between two
	// source polls is derived from srcPrev: a Sentinel's reply must not
	// turn into a zero-length interval for the rate.
	srcPrev, srcSnap *probe.Snapshot
	prevTarget       probe.Node // the target's previous poll, for the transfer rate

	inSyncStreak int // consecutive in-sync polls of the source: the session's count
	outStreak    int // consecutive polls out of sync
	inSync       bool
	badge        badge
	stage        steps.Stage // where the migration stands, for the badge
	naming       int         // how many Sentinels name the target
	switchedN    int         // how many Sentinels' own records name the target, no failover in progress
	complete     bool        // switchover.SwitchComplete: the switch is done
	oldStale     string      // after the cutover, what the old primary serves (checks.OldPrimaryStale)
	catchUp      common.Cell
	// dropped is what the target dropped since the divergence baseline
	// (steps.DroppedCommands): "" while it dropped nothing.
	dropped string
	// partition names the endpoints flyover cannot reach that others
	// still reach (switchover.Unreachable), as last put on the timeline.
	partition string

	lastPhase    probe.Phase
	lastAgree    string // "" until every Sentinel has answered once
	History      *common.Ring[common.Sample]
	Events       timeline
	Scroll       int // timeline rows scrolled past (0 = newest on top)
	eventsClosed bool

	now time.Time

	frame     string // the rendered screen
	Dirty     bool   // frame is stale: View renders it again
	eventRows int    // timeline rows the current layout shows
	// eventWraps are event texts as last wrapped to their column.
	eventWraps map[eventWrapKey][]string
	noHeader   bool // the root model draws the header across a side panel
	// tables keeps each panel's table as last drawn, until what it
	// shows changes (most polls change nothing on screen).
	tables  struct{ nodes, repl, sentinels, events common.TableMemo }
	samples int // how many samples History has taken: the trends' version
	// trends and header are the TRENDS and the header line as last
	// drawn, with what they were drawn from.
	trends struct {
		samples, w int
		apart      bool
		st         uint64 // Styles.ID
		lines      []string
	}
	header struct {
		w     int
		badge badge
		clock string
		quiet bool
		st    uint64 // Styles.ID
		line  string
	}
	// pace slows the Sentinels' polls while nothing moves (pace.go);
	// quiet: they are slow now, and the header says so.
	pace  *common.Pace
	quiet bool
	moves uint64 // how many times anything moved (Move): News
}

// ShowHeader says whether the dashboard draws its own header line.
func (d *Dashboard) ShowHeader(on bool) {
	if d.noHeader == !on {
		return
	}
	d.noHeader = !on
	d.invalidate()
}

// New builds the dashboard for cfg. ctx bounds every poll: cancel
// it to end them when the program quits.
func New(ctx context.Context, cfg common.Config, styles *common.Styles) *Dashboard {
	cfg.Defaults()
	d := &Dashboard{
		cfg:     cfg,
		ctx:     ctx,
		styles:  styles,
		Source:  nodeState{addr: cfg.Topo.Source, poller: cfg.Source},
		Target:  nodeState{addr: cfg.Topo.Target, poller: cfg.Target},
		labels:  map[string]string{},
		History: common.NewRing[common.Sample](int(cfg.History / cfg.Tick)),
		Events:  newTimeline(),
		now:     cfg.Now(),
		Dirty:   true,
		pace:    common.NewPace(cfg.Tick, cfg.Now()),
	}
	for i, s := range cfg.Sentinels {
		label := fmt.Sprintf("s%d", i+1)
		d.Sentinels = append(d.Sentinels, sentinelState{addr: s.Addr, label: label, poller: s.Poller})
		d.labels[s.Addr] = label
	}
	for _, n := range cfg.Notes {
		d.addEntry(d.own(n.Kind, n.Text, common.ToneWarn), true)
	}
	d.derive(false)
	d.badge = d.verdict()
	return d
}

// Init starts one poll per endpoint and the event listener.
func (d *Dashboard) Init() tea.Cmd {
	cmds := []tea.Cmd{d.ArmNode(common.SourceNode, common.Wait{}), d.ArmNode(common.TargetNode, common.Wait{})}
	for i := range d.Sentinels {
		cmds = append(cmds, d.armSentinel(i, common.Wait{}))
	}
	if d.cfg.Events != nil {
		cmds = append(cmds, common.WaitEvents(d.ctx, d.cfg.Events))
	}
	return tea.Batch(cmds...)
}

func (d *Dashboard) node(w common.Which) *nodeState {
	if w == common.SourceNode {
		return &d.Source
	}
	return &d.Target
}

// ArmNode starts the node's next poll after delay, unless one is already
// in flight: at most one poll per endpoint, ever.
func (d *Dashboard) ArmNode(w common.Which, wait common.Wait) tea.Cmd {
	n := d.node(w)
	if n.InFlight || n.poller == nil {
		return nil
	}
	n.InFlight = true
	return common.PollNode(d.ctx, w, n.poller, wait)
}

func (d *Dashboard) armSentinel(i int, w common.Wait) tea.Cmd {
	s := &d.Sentinels[i]
	if s.InFlight || s.poller == nil {
		return nil
	}
	s.InFlight = true
	return common.PollSentinel(d.ctx, i, s.poller, d.cfg.Topo.MasterName, w)
}

// SetSize gives the dashboard its share of the screen.
func (d *Dashboard) SetSize(w, h int) {
	if w == d.Width && h == d.height {
		return
	}
	d.Width, d.height = w, h
	d.invalidate()
}

// SetStyles switches styles (the terminal reported its background).
func (d *Dashboard) SetStyles(s *common.Styles) {
	d.styles = s
	d.invalidate()
}

// Snapshot is the latest derived snapshot.
func (d *Dashboard) Snapshot() probe.Snapshot { return d.snap }

// Ready reports whether every endpoint has answered once.
func (d *Dashboard) Ready() bool {
	ready := d.Source.polled && d.Target.polled
	for _, s := range d.Sentinels {
		ready = ready && s.polled
	}
	return ready
}

// InSync reports whether the IN SYNC badge is on.
func (d *Dashboard) InSync() bool { return d.inSync }

// View is the rendered dashboard, exactly its size, rendered again when
// something changed.
func (d *Dashboard) View() string {
	if d.Dirty {
		d.render()
		d.Dirty = false
	}
	return d.frame
}

// invalidate marks the frame stale: the end of Update and the setters
// call it, View renders.
func (d *Dashboard) invalidate() { d.Dirty = true }

// ScrollEvents moves the timeline by delta rows (positive: older).
func (d *Dashboard) ScrollEvents(delta int) {
	s := min(max(0, d.Scroll+delta), max(0, d.Events.Len()-1))
	if s != d.Scroll {
		d.Scroll = s
		d.invalidate()
	}
}

// ScrollEventsTop shows the newest events again.
func (d *Dashboard) ScrollEventsTop() { d.ScrollEvents(-d.Scroll) }

// EventsPage is how many timeline rows one screen shows.
func (d *Dashboard) EventsPage() int { return max(1, d.eventRows) }

// Update handles the dashboard's own messages and returns the commands
// that re-arm what answered.
func (d *Dashboard) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case common.NodePolledMsg, common.SentinelPolledMsg, common.SentinelEventsMsg, common.ObservedMsg:
		defer d.invalidate()
	}
	return d.update(msg)
}

func (d *Dashboard) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.NodePolledMsg:
		d.now = d.cfg.Now()
		n := d.node(msg.Which)
		n.InFlight = false
		d.noteNode(msg.Which, n, msg.Node)
		if msg.Which == common.TargetNode && n.polled {
			d.prevTarget = n.node
		}
		n.node, n.polled = msg.Node, true
		d.derive(msg.Which == common.SourceNode)
		return d.ArmNode(msg.Which, d.nodeWait())

	case common.SentinelPolledMsg:
		if msg.Index < 0 || msg.Index >= len(d.Sentinels) {
			return nil
		}
		d.now = d.cfg.Now()
		s := &d.Sentinels[msg.Index]
		s.InFlight = false
		if !s.polled || !sameSentinelFacts(s.view, msg.View) {
			d.Move()
		}
		d.noteSentinel(s, msg.View)
		s.view, s.polled = msg.View, true
		d.derive(false)
		return d.armSentinel(msg.Index, d.sentinelWait())

	case common.ObservedMsg:
		d.observe(msg)
		return nil

	case common.SentinelEventsMsg:
		d.now = d.cfg.Now()
		for _, e := range msg.Events {
			who := d.labels[e.Sentinel]
			if who == "" {
				who = e.Sentinel
			}
			d.addEntry(sentinelEntry(e, who, &d.cfg.Topo, d.labels), false)
		}
		if msg.Closed {
			d.eventsClosed = true
			return nil
		}
		return common.WaitEvents(d.ctx, d.cfg.Events)
	}
	return nil
}

// Repeats reports whether a Sentinel's new reply says nothing its last
// one did not: the same facts, newer timings.
func (d *Dashboard) Repeats(msg common.SentinelPolledMsg) bool {
	if msg.Index < 0 || msg.Index >= len(d.Sentinels) {
		return false
	}
	s := &d.Sentinels[msg.Index]
	return s.polled && sameSentinelFacts(s.view, msg.View)
}

// KeepSentinel takes a reply that repeats the last one: it is kept (the
// next snapshot has its timings) and its poll re-armed, slower while
// nothing moves (pace.go); the frame stands, unless the header now says
// the Sentinels are read slowly (Quiet changed).
func (d *Dashboard) KeepSentinel(msg common.SentinelPolledMsg) tea.Cmd {
	s := &d.Sentinels[msg.Index]
	s.InFlight = false
	s.view = msg.View
	return d.armSentinel(msg.Index, d.sentinelWait())
}

// sameSentinelFacts compares two replies of one Sentinel, leaving out what
// changes on every poll and shows nowhere: when it was polled, its round
// trip below slowRTT, how long ago it pinged and read each replica and
// the replica's offset as of its last read (those count only through whom
// it would promote, and why it skips the others, which are compared), and
// how long ago it pinged its peers (their flags are compared).
func sameSentinelFacts(a, b probe.SentinelView) bool {
	if (a.RTT >= slowRTT || b.RTT >= slowRTT) && common.RTT(a.RTT) != common.RTT(b.RTT) {
		return false
	}
	pa, skipA := a.PromotionCandidate()
	pb, skipB := b.PromotionCandidate()
	if (pa == nil) != (pb == nil) || (pa != nil && pa.Addr() != pb.Addr()) || !maps.Equal(skipA, skipB) {
		return false
	}
	timeless := func(v probe.SentinelView) probe.SentinelView {
		v.PolledAt, v.LastSeen, v.RTT = time.Time{}, time.Time{}, 0
		v.Replicas = append([]probe.SentinelReplica(nil), v.Replicas...)
		for i := range v.Replicas {
			v.Replicas[i].LastOKPing, v.Replicas[i].InfoRefresh, v.Replicas[i].Offset = 0, 0, 0
		}
		v.Peers = append([]probe.SentinelPeer(nil), v.Peers...)
		for i := range v.Peers {
			v.Peers[i].LastOKPing = 0
		}
		return v
	}
	return reflect.DeepEqual(timeless(a), timeless(b))
}

// derive rebuilds the snapshot from the latest result of every endpoint.
func (d *Dashboard) derive(sourcePolled bool) {
	views := make([]probe.SentinelView, 0, len(d.Sentinels))
	for _, s := range d.Sentinels {
		v := s.view
		if !s.polled {
			v = probe.SentinelView{Addr: s.addr}
		}
		views = append(views, v)
	}
	src, tgt := d.Source.node, d.Target.node
	if !d.Source.polled {
		src = probe.Node{Addr: d.Source.addr}
	}
	if !d.Target.polled {
		tgt = probe.Node{Addr: d.Target.addr}
	}
	if sourcePolled {
		d.srcPrev = d.srcSnap
	}
	snap := probe.Derive(d.cfg.Topo, d.srcPrev, d.now, src, tgt, views)
	if sourcePolled {
		d.srcSnap = &snap
	}
	d.snap, d.hasSnap = snap, true
}

// observe takes what the root model made of the latest poll: the badge,
// the timeline's news, the trends.
func (d *Dashboard) observe(o common.ObservedMsg) {
	snap := &d.snap
	l := &snap.Link
	// The badge turns on after N consecutive in-sync polls of the source
	// (the session counts them), and off after N consecutive polls out of
	// sync (at once when the link is down): one late acknowledgement does
	// not flip it back and forth.
	d.inSyncStreak = o.Facts.InSyncPolls
	if l.InSync {
		d.outStreak = 0
	} else if o.SourcePolled {
		d.outStreak++
	}
	broken := l.Phase != probe.PhaseOnline || !snap.Source.Reachable || !snap.Target.Reachable
	switch {
	case !d.inSync && d.inSyncStreak >= d.cfg.InSyncPolls:
		d.inSync = true
		d.addEntry(d.own("in sync", fmt.Sprintf("lag %s for %d polls in a row", probe.Bytes(l.LagBytes), d.inSyncStreak), common.ToneOK), true)
	case d.inSync && (broken || d.outStreak >= d.cfg.InSyncPolls):
		d.inSync = false
		d.addEntry(d.own("sync lost", "no longer in sync: "+d.syncWhy(), common.ToneWarn), true)
	}

	d.notePhase(l.Phase)
	d.noteAgreement()
	d.noteDivergence(o.Facts)
	d.notePartition(o.Facts)
	if o.SourcePolled {
		d.pushSample()
	}
	d.catchUp = d.estimateCatchUp()
	stage := d.stage
	d.stage, d.naming = steps.StageOf(o.Facts), steps.TargetNaming(o.Facts)
	d.switchedN, d.complete = switchover.SentinelsSwitched(o.Facts), switchover.SwitchComplete(o.Facts)
	d.oldStale = checks.OldPrimaryStale(o.Facts)
	if b := d.verdict(); b != d.badge || d.stage != stage {
		d.Move()
		d.badge = b
	}
}
