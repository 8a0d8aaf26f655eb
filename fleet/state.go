package fleet

import (
	"slices"
	"sync"
	"time"

	"flyover/probe"
	"flyover/probe/events"
	"flyover/steps"
	"flyover/steps/switchover"
)

// Phase is where one master's migration stands, read off the topology.
type Phase string

const (
	PhaseNoTarget       Phase = "no target"      // the targets file has no line for it: never touched
	PhaseUnknown        Phase = "unknown"        // the source or the target does not answer
	PhaseDetached       Phase = "not attached"   // the target does not follow the source
	PhaseSyncing        Phase = "syncing"        // the target follows the source; full sync or catching up
	PhaseInSync         Phase = "in sync"        // streaming, lag within a second and a half
	PhaseRegistered     Phase = "registered"     // in sync, and every Sentinel lists the target
	PhaseSwitching      Phase = "switching"      // some Sentinels name the target, or not all have switched their own record
	PhaseSwitched       Phase = "switched"       // every Sentinel's own record names the target, no failover in progress
	PhaseDecommissioned Phase = "decommissioned" // switched, and no Sentinel lists the old source any more
)

// Phases lists the phases in the order a migration goes through them.
var Phases = []Phase{PhaseNoTarget, PhaseUnknown, PhaseDetached, PhaseSyncing, PhaseInSync,
	PhaseRegistered, PhaseSwitching, PhaseSwitched, PhaseDecommissioned}

// Rank is the phase's place in Phases, for sorting.
func (p Phase) Rank() int {
	for i, x := range Phases {
		if x == p {
			return i
		}
	}
	return -1
}

// Row is one master as the fleet sees it.
type Row struct {
	Master   string         `json:"master"`
	Source   string         `json:"source"`
	Target   string         `json:"target,omitempty"`
	Phase    Phase          `json:"phase"`
	Why      string         `json:"why,omitempty"` // why it cannot be migrated from here
	Polled   bool           `json:"polled"`        // its nodes have been polled at least once
	Snapshot probe.Snapshot `json:"snapshot"`
	// LastEvent is the last Sentinel event about this master.
	LastEvent *events.Event `json:"last_event,omitempty"`
	// Verdicts count the preflight checks by level, once the master's
	// preflight has run in this process (Known).
	Verdicts Verdicts `json:"verdicts"`
	// Stall is the write stall of this master's cutover, 0 before one.
	Stall time.Duration `json:"stall_ns,omitempty"`
}

// Verdicts count checks by level.
type Verdicts struct {
	Known bool `json:"known"`
	Pass  int  `json:"pass"`
	Warn  int  `json:"warn"`
	Block int  `json:"block"`
}

// CountVerdicts counts checks by level.
func CountVerdicts(checks []steps.Check) Verdicts {
	v := Verdicts{Known: len(checks) > 0}
	for _, c := range checks {
		switch c.Level {
		case steps.Pass:
			v.Pass++
		case steps.Warn:
			v.Warn++
		case steps.Block:
			v.Block++
		}
	}
	return v
}

// PhaseOf derives a master's phase from one snapshot of it.
func PhaseOf(m *Master, topo probe.Topology, snap probe.Snapshot) Phase {
	switch {
	case m.Target == "":
		return PhaseNoTarget
	case m.Prober == nil && m.Source != "" && probe.SameAddr(m.Source, m.Target):
		return PhaseSwitched
	case m.Prober == nil:
		return PhaseUnknown
	}
	f := steps.Facts{Topo: topo, Snapshot: snap}
	switch steps.StageOf(f) {
	case steps.StagePromoted:
		if !switchover.SwitchComplete(f) {
			// A Sentinel is still in its failover, or its own record
			// names another primary: not switched yet.
			return PhaseSwitching
		}
		if forgotten(snap, m.Source) {
			return PhaseDecommissioned
		}
		return PhaseSwitched
	case steps.StagePromoting:
		return PhaseSwitching
	case steps.StageSyncing:
		return PhaseSyncing
	case steps.StageStreaming:
		switch {
		case !snap.Link.InSync:
			return PhaseSyncing
		case registered(snap):
			return PhaseRegistered
		}
		return PhaseInSync
	case steps.StageDetached:
		return PhaseDetached
	}
	return PhaseUnknown
}

// registered: every Sentinel that answered lists the target, and one did.
func registered(s probe.Snapshot) bool {
	n := 0
	for _, v := range s.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		if !v.KnowsTarget {
			return false
		}
		n++
	}
	return n > 0
}

// forgotten: no Sentinel that answered lists the old source as a replica
// any more (the decommission step's SENTINEL RESET), and one answered.
func forgotten(s probe.Snapshot, source string) bool {
	n := 0
	for _, v := range s.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		if v.Replica(source) != nil {
			return false
		}
		n++
	}
	return n > 0
}

// State is the fleet's latest polls: each master's nodes, each Sentinel's
// answer for all masters, each master's last event. Polls land in it as
// they arrive, each endpoint on its own schedule. A master's snapshot is
// derived (probe.Derive, from its facts alone) once per change of them: a
// poll of its nodes, or a Sentinel's answer; until then Row and Rows
// hand out the one derived last. Safe for concurrent use.
type State struct {
	f  *Fleet
	mu sync.Mutex
	// per master
	nodes  map[string][2]probe.Node
	prev   map[string]*probe.Snapshot // the snapshot before the latest node poll, for rates
	at     map[string]time.Time
	events map[string]events.Event
	// derived is each master's snapshot and phase as derived last, and
	// the Sentinels' answers it was derived with (gen).
	derived map[string]derivedRow
	gen     uint64 // counts the Sentinels' answers
	// derives counts probe.Derive calls, for the tests.
	derives int
	// what a master's own session learned (preflight, cutover)
	verdicts map[string]Verdicts
	stalls   map[string]time.Duration
	// per Sentinel
	sentinels []sentinelAnswer
	// per master: its phase as derived last, what its replica lists were
	// when last read (ReplicasWanted)
	phases map[string]Phase
	lists  map[string]*replicaLists
}

// derivedRow is what a master's facts derive to: valid while its nodes
// are the same and gen is the state's.
type derivedRow struct {
	snap  probe.Snapshot
	phase Phase
	gen   uint64
}

type sentinelAnswer struct {
	masters map[string]probe.SentinelView
	err     error
	at      time.Time
}

// NewState is an empty state for f: nothing has answered yet.
func NewState(f *Fleet) *State {
	return &State{f: f, nodes: map[string][2]probe.Node{}, prev: map[string]*probe.Snapshot{},
		at: map[string]time.Time{}, events: map[string]events.Event{}, derived: map[string]derivedRow{},
		verdicts: map[string]Verdicts{}, stalls: map[string]time.Duration{}, sentinels: make([]sentinelAnswer, len(f.Sentinels)),
		phases: map[string]Phase{}, lists: map[string]*replicaLists{}}
}

// Topology is what a master's snapshots are about.
func Topology(m *Master) probe.Topology {
	if m.Prober != nil {
		return m.Prober.Topo
	}
	return probe.Topology{MasterName: m.Name, Source: m.Source, Target: m.Target}
}

// Nodes records one poll of a master's source and target.
func (s *State) Nodes(name string, src, tgt probe.Node) {
	m := s.f.Master(name)
	if m == nil {
		return
	}
	at := src.PolledAt
	if tgt.PolledAt.After(at) {
		at = tgt.PolledAt
	}
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.nodes[name]; ok {
		// The snapshot of the previous poll, for rates and the offset
		// history: as derived last, even if a Sentinel answered since
		// (its answer changes neither).
		d, ok := s.derived[name]
		if !ok {
			d = s.derive(m)
		}
		s.prev[name] = &d.snap
	}
	s.nodes[name] = [2]probe.Node{src, tgt}
	s.at[name] = at
	delete(s.derived, name)
}

// Sentinel records Sentinel i's answer to SENTINEL MASTERS (and the
// replica lists asked with it), or its failure.
func (s *State) Sentinel(i int, ms []probe.MonitoredMaster, err error) {
	a := sentinelAnswer{err: err, at: time.Now()}
	if err == nil {
		a.masters = make(map[string]probe.SentinelView, len(ms))
		for _, m := range ms {
			a.masters[m.Name] = m.View
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= 0 && i < len(s.sentinels) {
		if err != nil {
			a.masters = s.sentinels[i].masters // last known, shown as unreachable below
		}
		s.sentinels[i] = a
		s.gen++ // every master's view changed
		s.noteLists(i, ms)
	}
}

// Event records a Sentinel event: the last one per master is shown.
func (s *State) Event(e events.Event) {
	if e.MasterName == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events[e.MasterName] = e
}

// Session records what master name's own session learned: its preflight
// verdicts and its cutover's stall (0: none yet).
func (s *State) Session(name string, v Verdicts, stall time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verdicts[name] = v
	if stall > 0 {
		s.stalls[name] = stall
	}
}

// views is every Sentinel's view of master name, as PollSentinel would
// have it. Called with mu held.
func (s *State) views(name string) []probe.SentinelView {
	out := make([]probe.SentinelView, len(s.sentinels))
	for i, a := range s.sentinels {
		addr := s.f.Sentinels[i].Addr
		switch v, ok := a.masters[name]; {
		case a.at.IsZero():
			out[i] = probe.SentinelView{Addr: addr, Error: "not polled yet"}
		case a.err != nil:
			out[i] = probe.SentinelView{Addr: addr, Error: a.err.Error(), LastSeen: s.f.Sentinels[i].LastSeen(), PolledAt: a.at}
		case ok:
			out[i] = v
		default:
			out[i] = probe.SentinelView{Addr: addr, Reachable: true, PolledAt: a.at, LastSeen: a.at,
				Error: "sentinel " + addr + " does not monitor " + name}
		}
	}
	return out
}

// Row is master name's row now.
func (s *State) Row(name string) Row {
	m := s.f.Master(name)
	if m == nil {
		return Row{Master: name, Phase: PhaseUnknown}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.row(m)
}

func (s *State) row(m *Master) Row {
	d := s.derive(m)
	_, polled := s.nodes[m.Name]
	r := Row{Master: m.Name, Source: m.Source, Target: m.Target, Why: m.Why, Polled: polled, Snapshot: d.snap, Phase: d.phase}
	if e, ok := s.events[m.Name]; ok {
		ev := e // allocated only for a master with an event
		r.LastEvent = &ev
	}
	r.Verdicts, r.Stall = s.verdicts[m.Name], s.stalls[m.Name]
	return r
}

// derive is m's snapshot and phase from its latest facts: derived again
// only when they changed since the last time. Called with mu held.
func (s *State) derive(m *Master) derivedRow {
	if d, ok := s.derived[m.Name]; ok && d.gen == s.gen {
		return d
	}
	n, polled := s.nodes[m.Name]
	if !polled {
		n = [2]probe.Node{{Addr: m.Source}, {Addr: m.Target}}
	}
	topo := Topology(m)
	at := s.at[m.Name]
	if at.IsZero() {
		at = time.Now()
	}
	s.derives++
	d := derivedRow{snap: probe.Derive(topo, s.prev[m.Name], at, n[0], n[1], s.views(m.Name)), gen: s.gen}
	d.phase = PhaseOf(m, topo, d.snap)
	if !polled && d.phase != PhaseNoTarget {
		d.phase = PhaseUnknown
	}
	s.derived[m.Name] = d
	s.phases[m.Name] = d.phase
	return d
}

// Rows is every master's row, by name.
func (s *State) Rows() []Row { return s.AppendRows(nil) }

// AppendRows appends every master's row, by name, to dst: a screen that
// asks often reuses its slice (rows[:0]) rather than allocate them all
// again.
func (s *State) AppendRows(dst []Row) []Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	dst = slices.Grow(dst, len(s.f.Masters))
	for _, m := range s.f.Masters {
		dst = append(dst, s.row(m))
	}
	return dst
}
