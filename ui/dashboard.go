package ui

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/steps"
)

// nodeState is the latest word from one data node.
type nodeState struct {
	addr     string
	poller   NodePoller
	node     probe.Node
	polled   bool // at least one result has arrived
	inFlight bool // a poll (or its wait) is running
}

// sentinelState is the latest word from one Sentinel.
type sentinelState struct {
	addr     string
	label    string // s1, s2, ... as the timeline names it
	poller   SentinelPoller
	view     probe.SentinelView
	polled   bool
	inFlight bool
}

// Dashboard is the live view of the topology: it owns the polls, keeps
// the latest result per endpoint, derives a Snapshot from them and renders
// it. It does no I/O itself: polls run in tea.Cmds and come back as
// messages. The root Model embeds it; a checklist panel sits beside it.
type Dashboard struct {
	cfg    Config
	ctx    context.Context
	styles *Styles

	width, height int

	source, target nodeState
	sentinels      []sentinelState
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
	complete     bool        // steps.SwitchComplete: the switch is done
	oldStale     string      // after the cutover, what the old primary serves (steps.OldPrimaryStale)
	catchUp      cell
	// dropped is what the target dropped since the divergence baseline
	// (steps.DroppedCommands): "" while it dropped nothing.
	dropped string
	// partition names the endpoints flyover cannot reach that others
	// still reach (steps.Unreachable), as last put on the timeline.
	partition string

	lastPhase    probe.Phase
	lastAgree    string // "" until every Sentinel has answered once
	history      *Ring[sample]
	events       timeline
	scroll       int // timeline rows scrolled past (0 = newest on top)
	eventsClosed bool

	now time.Time

	frame     string // the rendered screen
	dirty     bool   // frame is stale: View renders it again
	eventRows int    // timeline rows the current layout shows
	noHeader  bool   // the root model draws the header across a side panel
}

// showHeader says whether the dashboard draws its own header line.
func (d *Dashboard) showHeader(on bool) {
	if d.noHeader == !on {
		return
	}
	d.noHeader = !on
	d.invalidate()
}

// NewDashboard builds the dashboard for cfg. ctx bounds every poll: cancel
// it to end them when the program quits.
func NewDashboard(ctx context.Context, cfg Config, styles *Styles) *Dashboard {
	cfg.defaults()
	d := &Dashboard{
		cfg:     cfg,
		ctx:     ctx,
		styles:  styles,
		source:  nodeState{addr: cfg.Topo.Source, poller: cfg.Source},
		target:  nodeState{addr: cfg.Topo.Target, poller: cfg.Target},
		labels:  map[string]string{},
		history: NewRing[sample](int(cfg.History / cfg.Tick)),
		events:  newTimeline(),
		now:     cfg.Now(),
		dirty:   true,
	}
	for i, s := range cfg.Sentinels {
		label := fmt.Sprintf("s%d", i+1)
		d.sentinels = append(d.sentinels, sentinelState{addr: s.Addr, label: label, poller: s.Poller})
		d.labels[s.Addr] = label
	}
	for _, n := range cfg.Notes {
		d.addEntry(d.own(n.Kind, n.Text, toneWarn), true)
	}
	d.derive(false)
	d.badge = d.verdict()
	return d
}

// Init starts one poll per endpoint and the event listener.
func (d *Dashboard) Init() tea.Cmd {
	cmds := []tea.Cmd{d.armNode(sourceNode, 0), d.armNode(targetNode, 0)}
	for i := range d.sentinels {
		cmds = append(cmds, d.armSentinel(i, 0))
	}
	if d.cfg.Events != nil {
		cmds = append(cmds, waitEvents(d.ctx, d.cfg.Events))
	}
	return tea.Batch(cmds...)
}

func (d *Dashboard) node(w which) *nodeState {
	if w == sourceNode {
		return &d.source
	}
	return &d.target
}

// armNode starts the node's next poll after delay, unless one is already
// in flight: at most one poll per endpoint, ever.
func (d *Dashboard) armNode(w which, delay time.Duration) tea.Cmd {
	n := d.node(w)
	if n.inFlight || n.poller == nil {
		return nil
	}
	n.inFlight = true
	return pollNode(d.ctx, w, n.poller, delay)
}

func (d *Dashboard) armSentinel(i int, delay time.Duration) tea.Cmd {
	s := &d.sentinels[i]
	if s.inFlight || s.poller == nil {
		return nil
	}
	s.inFlight = true
	return pollSentinel(d.ctx, i, s.poller, d.cfg.Topo.MasterName, delay)
}

// SetSize gives the dashboard its share of the screen.
func (d *Dashboard) SetSize(w, h int) {
	if w == d.width && h == d.height {
		return
	}
	d.width, d.height = w, h
	d.invalidate()
}

// SetStyles switches styles (the terminal reported its background).
func (d *Dashboard) SetStyles(s *Styles) {
	d.styles = s
	d.invalidate()
}

// Snapshot is the latest derived snapshot.
func (d *Dashboard) Snapshot() probe.Snapshot { return d.snap }

// Ready reports whether every endpoint has answered once.
func (d *Dashboard) Ready() bool {
	ready := d.source.polled && d.target.polled
	for _, s := range d.sentinels {
		ready = ready && s.polled
	}
	return ready
}

// InSync reports whether the IN SYNC badge is on.
func (d *Dashboard) InSync() bool { return d.inSync }

// View is the rendered dashboard, exactly its size, rendered again when
// something changed.
func (d *Dashboard) View() string {
	if d.dirty {
		d.render()
		d.dirty = false
	}
	return d.frame
}

// invalidate marks the frame stale: the end of Update and the setters
// call it, View renders.
func (d *Dashboard) invalidate() { d.dirty = true }

// ScrollEvents moves the timeline by delta rows (positive: older).
func (d *Dashboard) ScrollEvents(delta int) {
	s := min(max(0, d.scroll+delta), max(0, d.events.len()-1))
	if s != d.scroll {
		d.scroll = s
		d.invalidate()
	}
}

// ScrollEventsTop shows the newest events again.
func (d *Dashboard) ScrollEventsTop() { d.ScrollEvents(-d.scroll) }

// EventsPage is how many timeline rows one screen shows.
func (d *Dashboard) EventsPage() int { return max(1, d.eventRows) }

// Update handles the dashboard's own messages and returns the commands
// that re-arm what answered.
func (d *Dashboard) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case nodePolledMsg, sentinelPolledMsg, sentinelEventsMsg, observedMsg:
		defer d.invalidate()
	}
	return d.update(msg)
}

func (d *Dashboard) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case nodePolledMsg:
		d.now = d.cfg.Now()
		n := d.node(msg.which)
		n.inFlight = false
		d.noteNode(msg.which, n, msg.node)
		if msg.which == targetNode && n.polled {
			d.prevTarget = n.node
		}
		n.node, n.polled = msg.node, true
		d.derive(msg.which == sourceNode)
		return d.armNode(msg.which, d.cfg.Tick)

	case sentinelPolledMsg:
		if msg.i < 0 || msg.i >= len(d.sentinels) {
			return nil
		}
		d.now = d.cfg.Now()
		s := &d.sentinels[msg.i]
		s.inFlight = false
		d.noteSentinel(s, msg.view)
		s.view, s.polled = msg.view, true
		d.derive(false)
		return d.armSentinel(msg.i, d.cfg.Tick)

	case observedMsg:
		d.observe(msg)
		return nil

	case sentinelEventsMsg:
		d.now = d.cfg.Now()
		for _, e := range msg.events {
			who := d.labels[e.Sentinel]
			if who == "" {
				who = e.Sentinel
			}
			d.addEntry(sentinelEntry(e, who, &d.cfg.Topo, d.labels), false)
		}
		if msg.closed {
			d.eventsClosed = true
			return nil
		}
		return waitEvents(d.ctx, d.cfg.Events)
	}
	return nil
}

// repeats reports whether a Sentinel's new reply says nothing its last
// one did not: the same facts, newer timings.
func (d *Dashboard) repeats(msg sentinelPolledMsg) bool {
	if msg.i < 0 || msg.i >= len(d.sentinels) {
		return false
	}
	s := &d.sentinels[msg.i]
	return s.polled && sameSentinelFacts(s.view, msg.view)
}

// keepSentinel takes a reply that repeats the last one: it is kept (the
// next snapshot has its timings) and its poll re-armed; the frame stands.
func (d *Dashboard) keepSentinel(msg sentinelPolledMsg) tea.Cmd {
	s := &d.sentinels[msg.i]
	s.inFlight = false
	s.view = msg.view
	return d.armSentinel(msg.i, d.cfg.Tick)
}

// sameSentinelFacts compares two replies of one Sentinel, leaving out what
// changes on every poll and shows nowhere: when it was polled, its round
// trip below slowRTT, how long ago it pinged and read each replica (those
// count only through whom it would promote, and why it skips the others,
// which are compared).
func sameSentinelFacts(a, b probe.SentinelView) bool {
	if (a.RTT >= slowRTT || b.RTT >= slowRTT) && rtt(a.RTT) != rtt(b.RTT) {
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
			v.Replicas[i].LastOKPing, v.Replicas[i].InfoRefresh = 0, 0
		}
		return v
	}
	return reflect.DeepEqual(timeless(a), timeless(b))
}

// derive rebuilds the snapshot from the latest result of every endpoint.
func (d *Dashboard) derive(sourcePolled bool) {
	views := make([]probe.SentinelView, 0, len(d.sentinels))
	for _, s := range d.sentinels {
		v := s.view
		if !s.polled {
			v = probe.SentinelView{Addr: s.addr}
		}
		views = append(views, v)
	}
	src, tgt := d.source.node, d.target.node
	if !d.source.polled {
		src = probe.Node{Addr: d.source.addr}
	}
	if !d.target.polled {
		tgt = probe.Node{Addr: d.target.addr}
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
func (d *Dashboard) observe(o observedMsg) {
	snap := &d.snap
	l := &snap.Link
	// The badge turns on after N consecutive in-sync polls of the source
	// (the session counts them), and off after N consecutive polls out of
	// sync (at once when the link is down): one late acknowledgement does
	// not flip it back and forth.
	d.inSyncStreak = o.facts.InSyncPolls
	if l.InSync {
		d.outStreak = 0
	} else if o.sourcePolled {
		d.outStreak++
	}
	broken := l.Phase != probe.PhaseOnline || !snap.Source.Reachable || !snap.Target.Reachable
	switch {
	case !d.inSync && d.inSyncStreak >= d.cfg.InSyncPolls:
		d.inSync = true
		d.addEntry(d.own("in sync", fmt.Sprintf("lag %s for %d polls in a row", probe.Bytes(l.LagBytes), d.inSyncStreak), toneOK), true)
	case d.inSync && (broken || d.outStreak >= d.cfg.InSyncPolls):
		d.inSync = false
		d.addEntry(d.own("sync lost", "no longer in sync: "+d.syncWhy(), toneWarn), true)
	}

	d.notePhase(l.Phase)
	d.noteAgreement()
	d.noteDivergence(o.facts)
	d.notePartition(o.facts)
	if o.sourcePolled {
		d.pushSample()
	}
	d.catchUp = d.estimateCatchUp()
	d.stage, d.naming = steps.StageOf(o.facts), steps.TargetNaming(o.facts)
	d.switchedN, d.complete = steps.SentinelsSwitched(o.facts), steps.SwitchComplete(o.facts)
	d.oldStale = steps.OldPrimaryStale(o.facts)
	d.badge = d.verdict()
}
