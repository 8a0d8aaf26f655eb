package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/ui/common"
)

// The fixtures describe one topology on loopback: a Redis 7 source, a
// redis-server target standing in for Dragonfly, three Sentinels.
const (
	fxSource = "127.0.0.1:7001"
	fxTarget = "127.0.0.1:7002"
	fxMaster = "flyover"
)

var fxSentinels = []string{"127.0.0.1:26380", "127.0.0.1:26381", "127.0.0.1:26382"}

// t0 is the fixtures' pinned clock start.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func fxTopo() probe.Topology {
	return probe.Topology{MasterName: fxMaster, Source: fxSource, Target: fxTarget, TargetIPs: []string{"127.0.0.1"}}
}

// fakeClock is the dashboard's clock in tests: it moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// world is the state the fixtures report; tests change it between rounds.
type world struct {
	at          time.Time
	srcOffset   int64
	ackedOffset int64
	srcKeys     map[int]probe.DBKeys
	tgtKeys     map[int]probe.DBKeys
	attached    bool
	phase       string // "online", "handshake", "transfer", "loading"
	progress    [2]int64
	srcDown     bool
	tgtDown     bool
	sentDown    map[int]bool
	sentMaster  map[int]string
	knowsTarget bool
	srcOps      int64
	tgtOps      int64
	sentRTT     map[int]time.Duration
	sentFlags   map[int][]string
	// ackAge is the source's lag= for the target: seconds since its
	// last acknowledgement.
	ackAge int64
	// otherReplica is a Redis replica of the source (127.0.0.1:7003) with
	// a lower priority number than the target's: Sentinel prefers it.
	otherReplica bool
	// fenced: after the cutover the old primary is a replica of the
	// target whose link never comes up (a Redis replica of Dragonfly).
	fenced bool
}

func newWorld(at time.Time) *world {
	return &world{
		at:          at,
		srcOffset:   48_213_904,
		ackedOffset: 48_213_904,
		srcKeys:     map[int]probe.DBKeys{0: {Keys: 100_000}, 3: {Keys: 12}},
		tgtKeys:     map[int]probe.DBKeys{0: {Keys: 100_000}, 3: {Keys: 12}},
		attached:    true,
		phase:       "online",
		sentDown:    map[int]bool{},
		sentMaster:  map[int]string{},
		sentRTT:     map[int]time.Duration{},
		sentFlags:   map[int][]string{},
		knowsTarget: true,
		srcOps:      12_034,
		tgtOps:      11_988,
	}
}

// down is a data node that did not answer this poll, last seen at t0.
func (w *world) down(addr, why string) probe.Node {
	return probe.Node{Addr: addr, PolledAt: w.at, LastSeen: t0, Error: addr + ": " + why}
}

// up is a data node that answered this poll: a Redis 7.0.15 primary
// unless the caller changes it.
func (w *world) up(addr, runID string, rtt time.Duration) probe.Node {
	return probe.Node{Addr: addr, Reachable: true, PolledAt: w.at, LastSeen: w.at, RTT: rtt,
		Kind: probe.KindRedis, Version: "7.0.15", RunID: runID, Role: probe.RolePrimary, Priority: 100}
}

func (w *world) source() probe.Node {
	if w.srcDown {
		return w.down(fxSource, "connection refused: is the server running, and is the port right?")
	}
	n := w.up(fxSource, "a1", 310*time.Microsecond)
	n.ReplOffset, n.Keyspace, n.UsedMemory, n.MaxMemory = w.srcOffset, w.srcKeys, 23_456_789, 0
	n.OpsPerSec, n.Clients = w.srcOps, 14
	if w.fenced {
		n.Role, n.MasterHost, n.MasterPort, n.LinkStatus, n.ReadOnly = probe.RoleReplica, "127.0.0.1", 7002, "down", true
		return n
	}
	if w.attached {
		state := "online"
		switch w.phase {
		case "handshake":
			state = "wait_bgsave"
		case "transfer":
			state = "send_bulk"
		}
		n.Replicas = []probe.ReplicaLine{{IP: "127.0.0.1", Port: 7002, State: state, Offset: w.ackedOffset, HasOffset: w.phase == "online", Lag: w.ackAge}}
	}
	if w.otherReplica {
		n.Replicas = append(n.Replicas, probe.ReplicaLine{Index: len(n.Replicas), IP: "127.0.0.1", Port: 7003, State: "online", Offset: w.ackedOffset, HasOffset: true})
	}
	return n
}

func (w *world) target() probe.Node {
	if w.tgtDown {
		return w.down(fxTarget, "no answer within the deadline: the server is hung, overloaded, paused, or this is not a Redis port")
	}
	n := w.up(fxTarget, "b2", 280*time.Microsecond)
	n.Keyspace, n.UsedMemory, n.MaxMemory, n.OpsPerSec, n.Clients = w.tgtKeys, 21_004_112, 4<<30, w.tgtOps, 3
	if w.attached {
		n.Role = probe.RoleReplica
		n.MasterHost, n.MasterPort = "127.0.0.1", 7001
		n.ReadOnly = true
		switch w.phase {
		case "online":
			n.LinkStatus, n.LinkState = "up", "connected"
			n.Offset, n.HasOffset, n.OffsetTrusted = w.ackedOffset, true, true
		case "handshake":
			n.LinkStatus, n.LinkState, n.SyncInProgress = "down", "sync", true
		case "transfer":
			n.LinkStatus, n.LinkState, n.SyncInProgress = "down", "sync", true
			n.SyncReadBytes, n.SyncTotalBytes = w.progress[0], w.progress[1]
		case "loading":
			n.LinkStatus, n.LinkState, n.Loading = "down", "sync", true
		}
	}
	return n
}

func (w *world) sentinel(i int) probe.SentinelView {
	addr := fxSentinels[i]
	if w.sentDown[i] {
		return probe.SentinelView{Addr: addr, PolledAt: w.at, LastSeen: t0,
			Error: addr + ": no answer within the deadline: the server is hung, overloaded, paused, or this is not a Redis port"}
	}
	master := fxSource
	if m := w.sentMaster[i]; m != "" {
		master = m
	}
	v := probe.SentinelView{
		Addr: addr, Reachable: true, PolledAt: w.at, LastSeen: w.at, RTT: 420 * time.Microsecond,
		Monitors: true, MasterAddr: master, MasterFlags: []string{"master"}, Quorum: 2,
		NumOtherSentinels: 2, NumReplicas: 1, QuorumOK: true, QuorumReply: "OK 3 usable Sentinels",
		DownAfter: 5 * time.Second, FailoverTimeout: time.Minute,
	}
	if f := w.sentFlags[i]; f != nil {
		v.MasterFlags = f
	}
	if d := w.sentRTT[i]; d > 0 {
		v.RTT = d
	}
	if w.knowsTarget && w.attached {
		v.Replicas = []probe.SentinelReplica{{IP: "127.0.0.1", Port: 7002, RunID: "b2", Flags: []string{"slave"},
			Priority: 100, Offset: w.ackedOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 4 * time.Second,
			MasterLinkStatus: "ok", MasterHost: "127.0.0.1", MasterPort: 7001}}
	}
	if w.otherReplica {
		v.Replicas = append(v.Replicas, probe.SentinelReplica{IP: "127.0.0.1", Port: 7003, RunID: "c3", Flags: []string{"slave"},
			Priority: 50, Offset: w.ackedOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 4 * time.Second,
			MasterLinkStatus: "ok", MasterHost: "127.0.0.1", MasterPort: 7001})
	}
	return v
}

// harness drives a root Model with fixture messages, without a terminal
// and without running any command.
type harness struct {
	t     *testing.T
	m     *Model
	clock *fakeClock
	w     *world
	tick  time.Duration
}

func newHarness(t testing.TB, width, height int, mod func(*common.Config)) *harness {
	clock := &fakeClock{t: t0}
	cfg := common.Config{
		Topo: fxTopo(), Source: nopNode{}, Target: nopNode{}, Tick: 500 * time.Millisecond,
		InSyncPolls: 3, Now: clock.Now,
	}
	for _, a := range fxSentinels {
		cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: a, Poller: nopSentinel{}})
	}
	if mod != nil {
		mod(&cfg)
	}
	m := New(context.Background(), cfg)
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	h := &harness{m: m, clock: clock, w: newWorld(t0), tick: cfg.Tick}
	if tt, ok := t.(*testing.T); ok {
		h.t = tt
	}
	return h
}

// round delivers one poll of every endpoint, then moves the clock a tick.
func (h *harness) round() { h.roundThrough(func(msg tea.Msg) { h.send(msg) }) }

// roundThrough is round with each poll handed to deliver.
func (h *harness) roundThrough(deliver func(tea.Msg)) {
	h.w.at = h.clock.Now()
	deliver(common.NodePolledMsg{Which: common.SourceNode, Node: h.w.source()})
	deliver(common.NodePolledMsg{Which: common.TargetNode, Node: h.w.target()})
	for i := range fxSentinels {
		deliver(common.SentinelPolledMsg{Index: i, View: h.w.sentinel(i)})
	}
	h.clock.Advance(h.tick)
}

func (h *harness) rounds(n int) {
	for range n {
		h.round()
	}
}

func (h *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

func (h *harness) key(k string) {
	var msg tea.KeyPressMsg
	switch k {
	case "ctrl+c":
		msg = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "up":
		msg = tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		msg = tea.KeyPressMsg{Code: tea.KeyDown}
	default:
		r := []rune(k)[0]
		msg = tea.KeyPressMsg{Code: r, Text: k}
	}
	h.send(msg)
}

// screen is the current view without styles.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

// event pushes Sentinel events as if the watcher relayed them.
func (h *harness) event(i int, typ, msg string) {
	e := probe.ParseEvent(fxSentinels[i], typ, msg, h.clock.Now())
	h.send(common.SentinelEventsMsg{Events: []probe.Event{e}})
}

// nopNode and nopSentinel are pollers for tests that deliver results by
// hand; running their commands would be a test bug.
type nopNode struct{}

func (nopNode) PollNode(context.Context) probe.Node { panic("nopNode polled") }

type nopSentinel struct{}

func (nopSentinel) PollSentinel(context.Context, string) probe.SentinelView {
	panic("nopSentinel polled")
}

// checkFrame asserts the screen is exactly width x height cells.
func checkFrame(t *testing.T, content string, width, height int) {
	t.Helper()
	lines := strings.Split(content, "\n")
	if len(lines) != height {
		t.Errorf("%dx%d: %d lines, want %d", width, height, len(lines), height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != width {
			t.Errorf("%dx%d: line %d is %d cells wide, want %d: %q", width, height, i, w, width, ansi.Strip(l))
		}
	}
}
