package uitest

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/probe/fullsync"
)

// The fixtures describe one topology on loopback: a Redis 7 source, a
// redis-server target standing in for Dragonfly, three Sentinels.
const (
	FxSource = "127.0.0.1:7001"
	FxTarget = "127.0.0.1:7002"
	fxMaster = "flyover"
)

var FxSentinels = []string{"127.0.0.1:26380", "127.0.0.1:26381", "127.0.0.1:26382"}

// T0 is the fixtures' pinned clock start.
var T0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func FxTopo() probe.Topology {
	return probe.Topology{MasterName: fxMaster, Source: FxSource, Target: FxTarget, TargetIPs: []string{"127.0.0.1"}}
}

// fakeClock is the dashboard's clock in tests: it moves only when told.
type Clock struct{ T time.Time }

func (c *Clock) Now() time.Time          { return c.T }
func (c *Clock) Advance(d time.Duration) { c.T = c.T.Add(d) }

// World is the state the fixtures report; tests change it between rounds.
type World struct {
	At          time.Time
	SrcOffset   int64
	AckedOffset int64
	srcKeys     map[int]probe.DBKeys
	TgtKeys     map[int]probe.DBKeys
	Attached    bool
	Phase       string // "online", "handshake", "transfer", "loading"
	Progress    [2]int64
	SrcDown     bool
	TgtDown     bool
	SentDown    map[int]bool
	SentMaster  map[int]string
	// SentRecord is a Sentinel's own record when it is not SentMaster
	// (the leader mid-failover).
	SentRecord  map[int]string
	knowsTarget bool
	SrcOps      int64
	tgtOps      int64
	SentRTT     map[int]time.Duration
	SentFlags   map[int][]string
	// AckAge is the source's lag= for the target: seconds since its
	// last acknowledgement.
	AckAge int64
	// OtherReplica is a Redis replica of the source (127.0.0.1:7003) with
	// a lower priority number than the target's: Sentinel prefers it.
	OtherReplica bool
	// Fenced: after the cutover the old primary is a replica of the
	// target whose link never comes up (a Redis replica of Dragonfly).
	Fenced bool
	// SrcLimits are the source's replica buffer limits as CONFIG GET
	// read them (nil: not read).
	SrcLimits *fullsync.BufferLimits
}

func NewWorld(at time.Time) *World {
	return &World{
		At:          at,
		SrcOffset:   48_213_904,
		AckedOffset: 48_213_904,
		srcKeys:     map[int]probe.DBKeys{0: {Keys: 100_000}, 3: {Keys: 12}},
		TgtKeys:     map[int]probe.DBKeys{0: {Keys: 100_000}, 3: {Keys: 12}},
		Attached:    true,
		Phase:       "online",
		SentDown:    map[int]bool{},
		SentMaster:  map[int]string{},
		SentRTT:     map[int]time.Duration{},
		SentFlags:   map[int][]string{},
		knowsTarget: true,
		SrcOps:      12_034,
		tgtOps:      11_988,
	}
}

// down is a data node that did not answer this poll, last seen at t0.
func (w *World) down(addr, why string) probe.Node {
	return probe.Node{Addr: addr, PolledAt: w.At, LastSeen: T0, Error: addr + ": " + why}
}

// up is a data node that answered this poll: a Redis 7.0.15 primary
// unless the caller changes it.
func (w *World) up(addr, runID string, rtt time.Duration) probe.Node {
	return probe.Node{Addr: addr, Reachable: true, PolledAt: w.At, LastSeen: w.At, RTT: rtt,
		Kind: probe.KindRedis, Version: "7.0.15", RunID: runID, Role: probe.RolePrimary, Priority: 100}
}

func (w *World) Source() probe.Node {
	if w.SrcDown {
		return w.down(FxSource, "connection refused: is the server running, and is the port right?")
	}
	n := w.up(FxSource, "a1", 310*time.Microsecond)
	n.ReplOffset, n.Keyspace, n.UsedMemory, n.MaxMemory = w.SrcOffset, w.srcKeys, 23_456_789, 0
	n.OpsPerSec, n.Clients = w.SrcOps, 14
	n.Sync.Limits = w.SrcLimits
	if w.Fenced {
		n.Role, n.MasterHost, n.MasterPort, n.LinkStatus, n.ReadOnly = probe.RoleReplica, "127.0.0.1", 7002, "down", true
		return n
	}
	if w.Attached {
		state := "online"
		switch w.Phase {
		case "handshake":
			state = "wait_bgsave"
		case "transfer":
			state = "send_bulk"
		}
		n.Replicas = []probe.ReplicaLine{{IP: "127.0.0.1", Port: 7002, State: state, Offset: w.AckedOffset, HasOffset: w.Phase == "online", Lag: w.AckAge}}
	}
	if w.OtherReplica {
		n.Replicas = append(n.Replicas, probe.ReplicaLine{Index: len(n.Replicas), IP: "127.0.0.1", Port: 7003, State: "online", Offset: w.AckedOffset, HasOffset: true})
	}
	return n
}

func (w *World) Target() probe.Node {
	if w.TgtDown {
		return w.down(FxTarget, "no answer within the deadline: the server is hung, overloaded, paused, or this is not a Redis port")
	}
	n := w.up(FxTarget, "b2", 280*time.Microsecond)
	n.Keyspace, n.UsedMemory, n.MaxMemory, n.OpsPerSec, n.Clients = w.TgtKeys, 21_004_112, 4<<30, w.tgtOps, 3
	if w.Attached {
		n.Role = probe.RoleReplica
		n.MasterHost, n.MasterPort = "127.0.0.1", 7001
		n.ReadOnly = true
		switch w.Phase {
		case "online":
			n.LinkStatus, n.LinkState = "up", "connected"
			n.Offset, n.HasOffset, n.OffsetTrusted = w.AckedOffset, true, true
		case "handshake":
			n.LinkStatus, n.LinkState, n.SyncInProgress = "down", "sync", true
		case "transfer":
			n.LinkStatus, n.LinkState, n.SyncInProgress = "down", "sync", true
			n.SyncReadBytes, n.SyncTotalBytes = w.Progress[0], w.Progress[1]
		case "loading":
			n.LinkStatus, n.LinkState, n.Loading = "down", "sync", true
		}
	}
	return n
}

func (w *World) Sentinel(i int) probe.SentinelView {
	addr := FxSentinels[i]
	if w.SentDown[i] {
		return probe.SentinelView{Addr: addr, PolledAt: w.At, LastSeen: T0,
			Error: addr + ": no answer within the deadline: the server is hung, overloaded, paused, or this is not a Redis port"}
	}
	master := FxSource
	if m := w.SentMaster[i]; m != "" {
		master = m
	}
	v := probe.SentinelView{
		Addr: addr, Reachable: true, PolledAt: w.At, LastSeen: w.At, RTT: 420 * time.Microsecond,
		Monitors: true, MasterAddr: master, RecordAddr: master, MasterFlags: []string{"master"}, Quorum: 2,
		NumOtherSentinels: 2, NumReplicas: 1, QuorumOK: true, QuorumReply: "OK 3 usable Sentinels",
		DownAfter: 5 * time.Second, FailoverTimeout: time.Minute,
	}
	if f := w.SentFlags[i]; f != nil {
		v.MasterFlags = f
	}
	if r := w.SentRecord[i]; r != "" {
		v.RecordAddr = r
	}
	if d := w.SentRTT[i]; d > 0 {
		v.RTT = d
	}
	if w.knowsTarget && w.Attached {
		v.Replicas = []probe.SentinelReplica{{IP: "127.0.0.1", Port: 7002, RunID: "b2", Flags: []string{"slave"},
			Priority: 100, Offset: w.AckedOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 4 * time.Second,
			MasterLinkStatus: "ok", MasterHost: "127.0.0.1", MasterPort: 7001}}
	}
	if w.OtherReplica {
		v.Replicas = append(v.Replicas, probe.SentinelReplica{IP: "127.0.0.1", Port: 7003, RunID: "c3", Flags: []string{"slave"},
			Priority: 50, Offset: w.AckedOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 4 * time.Second,
			MasterLinkStatus: "ok", MasterHost: "127.0.0.1", MasterPort: 7001})
	}
	return v
}

// CheckFrame asserts the screen is exactly width x height cells.
func CheckFrame(t *testing.T, content string, width, height int) {
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

// namedKeys are the key presses Bubble Tea delivers for named keys.
var namedKeys = map[string]tea.KeyPressMsg{
	"enter":     {Code: tea.KeyEnter},
	"esc":       {Code: tea.KeyEscape},
	"backspace": {Code: tea.KeyBackspace},
	"left":      {Code: tea.KeyLeft},
	"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
	"up":        {Code: tea.KeyUp},
	"down":      {Code: tea.KeyDown},
	"pgup":      {Code: tea.KeyPgUp},
	"pgdown":    {Code: tea.KeyPgDown},
	"home":      {Code: tea.KeyHome},
	"space":     {Code: tea.KeySpace, Text: " "},
}

// Press is the key press Bubble Tea delivers for s: a named key or a
// character.
func Press(s string) tea.KeyPressMsg {
	if k, ok := namedKeys[s]; ok {
		return k
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}
