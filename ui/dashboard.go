package ui

import (
	"context"
	"fmt"
	"log"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
)

// Config is what the dashboard watches, and how.
type Config struct {
	Topo      probe.Topology
	Source    NodePoller
	Target    NodePoller
	Sentinels []Sentinel
	// Events are Sentinel Pub/Sub events (probe.WatchSentinels); nil for none.
	Events <-chan probe.Event

	// Tick is the pause between one poll of an endpoint and the next
	// (default 500 ms). It starts when the previous poll's result arrives.
	Tick time.Duration
	// InSyncPolls is how many consecutive in-sync polls of the source it
	// takes to show the IN SYNC badge (default 3).
	InSyncPolls int
	// History is the span of the trend sparklines (default 5 minutes).
	History time.Duration
	// ReadOnly is shown in the header: flyover sends reads only.
	ReadOnly bool

	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
	// Log receives flyover's own events (endpoint down/up, sync started/
	// finished), and with Debug every message the UI handles. Never the
	// terminal.
	Log   *log.Logger
	Debug bool
	// LogPath is where Log writes, shown in the footer.
	LogPath string

	// Guide turns the guided checklist on beside the dashboard.
	Guide *Guide
	// Warnings are shown on every screen, one loud line each: a password
	// on the command line, TLS verification off.
	Warnings []string
	// Lab, when set, labels the topology as a local lab ("demo").
	Lab string
	// Secrets are the passwords flyover was given: no text the checklist
	// shows (a server's error, a step's failure) ever carries one.
	Secrets []string
}

func (c *Config) defaults() {
	if c.Tick <= 0 {
		c.Tick = 500 * time.Millisecond
	}
	if c.InSyncPolls <= 0 {
		c.InSyncPolls = 3
	}
	if c.History <= 0 {
		c.History = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

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

// badge is the verdict the header shows: the one thing that matters.
type badge struct {
	text string
	tone tone
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
	catchUp      cell

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
	if o.sourcePolled {
		d.pushSample()
	}
	d.catchUp = d.estimateCatchUp()
	d.badge = d.verdict()
}

// syncWhy says why the link is not in sync, for the timeline.
func (d *Dashboard) syncWhy() string {
	l := &d.snap.Link
	switch {
	case !d.snap.Source.Reachable:
		return "the source is not answering"
	case !d.snap.Target.Reachable:
		return "the target is not answering"
	case l.Phase != probe.PhaseOnline:
		return "link phase " + string(l.Phase)
	}
	return fmt.Sprintf("lag %s (%s)", probe.Bytes(l.LagBytes), lagSeconds(l.LagSeconds))
}

func (d *Dashboard) pushSample() {
	s := sample{At: d.now, LagBytes: -1, SourceOps: -1, TargetOps: -1}
	if d.snap.Link.Phase == probe.PhaseOnline && d.snap.Source.Reachable {
		s.LagBytes = d.snap.Link.LagBytes
	}
	if d.snap.Source.Reachable {
		s.SourceOps = d.snap.Source.OpsPerSec
	}
	if d.snap.Target.Reachable {
		s.TargetOps = d.snap.Target.OpsPerSec
	}
	d.history.Push(s)
}

// catchUpWindow is how far back the lag trend is read for the estimate.
const catchUpWindow = 10 * time.Second

// estimateCatchUp says how long until the target has caught up: from the
// transfer's progress during a full sync, from the lag's trend once
// streaming.
func (d *Dashboard) estimateCatchUp() cell {
	l := &d.snap.Link
	tgt := &d.snap.Target
	if !d.snap.Source.Reachable && l.Phase != probe.PhaseDetached {
		return cell{text: "unknown while the source is down", tone: toneMuted}
	}
	switch l.Phase {
	case probe.PhaseUnknown:
		return cell{text: "unknown while an endpoint is down", tone: toneMuted}
	case probe.PhaseDetached:
		return cell{text: "not attached", tone: toneMuted}
	case probe.PhaseHandshake:
		return cell{text: "waiting for the source's snapshot", tone: toneMuted}
	case probe.PhaseLoading:
		return cell{text: "after the target loads the snapshot", tone: toneMuted}
	case probe.PhaseTransfer:
		prev := &d.prevTarget
		if tgt.SyncTotalBytes > 0 && prev.Reachable && prev.SyncReadBytes > 0 && tgt.SyncReadBytes > prev.SyncReadBytes {
			dt := tgt.PolledAt.Sub(prev.PolledAt).Seconds()
			if dt > 0 {
				bps := float64(tgt.SyncReadBytes-prev.SyncReadBytes) / dt
				left := float64(tgt.SyncTotalBytes - tgt.SyncReadBytes)
				return cell{text: "~" + duration(time.Duration(left/bps*float64(time.Second))) + " at " + rate(bps), tone: toneText}
			}
		}
		return cell{text: "after the transfer (size not reported)", tone: toneMuted}
	}
	if l.InSync || l.LagBytes == 0 {
		return cell{text: "caught up", tone: toneOK}
	}
	// Lag trend: compare with the oldest known lag in the window.
	now, ok := d.history.Last()
	if !ok || now.LagBytes < 0 {
		return cell{text: "measuring…", tone: toneMuted}
	}
	for i := 0; i < d.history.Len(); i++ {
		then := d.history.At(i)
		if then.LagBytes < 0 || now.At.Sub(then.At) > catchUpWindow {
			continue
		}
		dt := now.At.Sub(then.At).Seconds()
		if dt < 1 {
			break
		}
		slope := float64(now.LagBytes-then.LagBytes) / dt // bytes/s, negative when closing
		if slope < 0 {
			eta := time.Duration(float64(now.LagBytes) / -slope * float64(time.Second))
			return cell{text: "~" + duration(eta) + " (closing " + rate(-slope) + ")", tone: toneText}
		}
		return cell{text: "not closing (lag +" + rate(slope) + ")", tone: toneWarn}
	}
	return cell{text: "measuring…", tone: toneMuted}
}

// switched reports whether the migration has happened: the target is a
// primary and every Sentinel names it. The old primary is then a replica,
// or gone, and the link from it no longer means anything.
func (d *Dashboard) switched() bool {
	s := &d.snap
	return s.Target.Reachable && s.Target.Role == probe.RolePrimary && s.SentinelsAgree && d.cfg.Topo.IsTarget(s.AgreedMaster)
}

// verdict is the header badge.
func (d *Dashboard) verdict() badge {
	s := &d.snap
	l := &s.Link
	switch {
	case !d.source.polled || !d.target.polled:
		return badge{"CONNECTING", toneMuted}
	case d.switched():
		return badge{"SWITCHED · target is the primary", toneOK}
	case !s.Source.Reachable:
		return badge{"SOURCE DOWN", toneBad}
	case !s.Target.Reachable:
		return badge{"TARGET DOWN", toneBad}
	case d.inSync:
		return badge{"● IN SYNC", toneOK}
	case l.Phase == probe.PhaseDetached:
		return badge{"NOT ATTACHED", toneMuted}
	case l.Phase == probe.PhaseOnline && l.InSync:
		return badge{fmt.Sprintf("CONFIRMING · %d/%d polls in sync", d.inSyncStreak, d.cfg.InSyncPolls), toneWarn}
	case l.Phase == probe.PhaseOnline:
		return badge{"CATCHING UP · lag " + probe.Bytes(l.LagBytes) + " · " + lagSeconds(l.LagSeconds), toneWarn}
	case l.Phase == probe.PhaseTransfer && l.Progress >= 0:
		return badge{fmt.Sprintf("SYNCING · %d%%", int(l.Progress*100)), toneWarn}
	}
	return badge{"SYNCING · " + string(l.Phase), toneWarn}
}

// own is one of flyover's own timeline entries.
func (d *Dashboard) own(kind, text string, t tone) entry {
	return entry{At: d.now, Who: []string{flyoverWho}, Kind: kind, Text: text, Tone: t}
}

// addEntry records a timeline entry; flyover's own ones also go to the log.
func (d *Dashboard) addEntry(e entry, log bool) {
	if d.events.add(e) && d.scroll > 0 {
		d.scroll++ // keep the rows the operator is reading in place
	}
	if log && d.cfg.Log != nil {
		d.cfg.Log.Printf("event: %s: %s", e.Kind, e.Text)
	}
}

// noteNode records reachability and role changes of a data node.
func (d *Dashboard) noteNode(w which, old *nodeState, n probe.Node) {
	name := w.String()
	switch {
	case !n.Reachable && (!old.polled || old.node.Reachable):
		d.addEntry(d.own(name+" down", n.Error, toneBad), true)
	case old.polled && !old.node.Reachable && n.Reachable:
		text := "answering again"
		if !old.node.LastSeen.IsZero() {
			text += " after " + duration(n.PolledAt.Sub(old.node.LastSeen))
		}
		d.addEntry(d.own(name+" up", text, toneOK), true)
	case old.polled && old.node.Reachable && n.Reachable && old.node.Role != n.Role:
		text := fmt.Sprintf("%s is now a %s (was a %s)", name, roleWord(n.Role), roleWord(old.node.Role))
		if n.Role == probe.RoleReplica {
			text = fmt.Sprintf("%s now replicates from %s", name, joinHostPort(n.MasterHost, n.MasterPort))
		}
		d.addEntry(d.own(name+" role", text, toneAccent), true)
	}
}

// noteSentinel records a Sentinel's reachability changes.
func (d *Dashboard) noteSentinel(old *sentinelState, v probe.SentinelView) {
	up := v.Reachable && v.Monitors
	wasUp := old.view.Reachable && old.view.Monitors
	name := "sentinel " + old.label
	switch {
	case !up && (!old.polled || wasUp):
		d.addEntry(d.own(name+" down", v.Error, toneBad), true)
	case up && old.polled && !wasUp:
		text := old.addr + " answering again"
		if !old.view.LastSeen.IsZero() {
			text += " after " + duration(v.PolledAt.Sub(old.view.LastSeen))
		}
		d.addEntry(d.own(name+" up", text, toneOK), true)
	}
}

// phaseNews says what a link phase means, for the timeline.
var phaseNews = map[probe.Phase]string{
	probe.PhaseDetached:  "the target is not replicating from the source",
	probe.PhaseHandshake: "the source prepares its snapshot",
	probe.PhaseTransfer:  "full sync: the snapshot is on the wire",
	probe.PhaseLoading:   "the target is loading the snapshot",
	probe.PhaseOnline:    "the target streams from the source",
}

// notePhase records link phase changes, with "sync started" when the
// target attaches and "sync finished" when it streams. Unknown (an endpoint
// down) is not a phase change: the down event says it. The first phase
// seen is the starting state, not news.
func (d *Dashboard) notePhase(p probe.Phase) {
	if p == probe.PhaseUnknown || p == d.lastPhase {
		return
	}
	first, was := d.lastPhase == "", d.lastPhase
	d.lastPhase = p
	if first {
		d.addEntry(d.own("link "+string(p), phaseNews[p], toneMuted), true)
		return
	}
	switch {
	case p == probe.PhaseDetached:
		d.addEntry(d.own("link detached", phaseNews[p], toneWarn), true)
		return
	case was == probe.PhaseDetached:
		d.addEntry(d.own("sync started", "the target replicates from the source: "+string(p), toneAccent), true)
	}
	if p == probe.PhaseOnline {
		d.addEntry(d.own("sync finished", phaseNews[p], toneOK), true)
		return
	}
	d.addEntry(d.own("link "+string(p), phaseNews[p], toneAccent), true)
}

// noteAgreement records changes in what the Sentinels name as master,
// once every Sentinel has answered at least once.
func (d *Dashboard) noteAgreement() {
	for _, s := range d.sentinels {
		if !s.polled {
			return
		}
	}
	if len(d.sentinels) == 0 {
		return
	}
	s := &d.snap
	var now string
	var t tone
	var text string
	switch {
	case s.SentinelsAgree:
		now = "agree " + s.AgreedMaster
		text = fmt.Sprintf("all answering Sentinels name %s%s", s.AgreedMaster, nodeMark(s.AgreedMaster, &d.cfg.Topo))
		t = toneOK
	default:
		// The news is the set of addresses named, not who is answering.
		var parts, named []string
		for i, v := range s.Sentinels {
			if v.Reachable && v.Monitors {
				parts = append(parts, d.sentinels[i].label+" "+v.MasterAddr)
				if !contains(named, v.MasterAddr) {
					named = append(named, v.MasterAddr)
				}
			}
		}
		sort.Strings(named)
		now = "disagree " + strings.Join(named, ",")
		if len(parts) == 0 {
			text = "no Sentinel answers for this master"
		} else {
			text = "Sentinels name different masters: " + strings.Join(parts, ", ")
		}
		t = toneWarn
	}
	if now == d.lastAgree {
		return
	}
	if d.lastAgree == "" && t == toneOK {
		t = toneMuted // the starting state, not news
	}
	d.lastAgree = now
	d.addEntry(d.own("sentinels", text, t), true)
}

func roleWord(r probe.Role) string {
	switch r {
	case probe.RolePrimary:
		return "primary"
	case probe.RoleReplica:
		return "replica"
	case probe.RoleUnknown:
		return "unknown"
	}
	return string(r)
}

func lagSeconds(s float64) string {
	if s < 0 {
		return "? s"
	}
	return fmt.Sprintf("%.1f s", s)
}
