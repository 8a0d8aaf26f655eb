package steps

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"flyover/probe"
	"flyover/probe/events"
	"flyover/probe/readiness"
)

// Facts is everything a check looks at, and checks are pure functions of
// it: one snapshot of the live topology, what preflight read beyond it,
// what was seen across polls, and what this session itself did for the
// steps the topology cannot show (a verification write, a report).
type Facts struct {
	Topo     probe.Topology
	Snapshot probe.Snapshot
	// Preflight is nil until the preflight step has gathered it.
	Preflight *readiness.PreflightFacts
	// Readiness is nil until the preflight step (or the cutover, again
	// before its pause) has read it.
	Readiness *readiness.ReadinessFacts
	// DivergenceBase is the target's divergence counters read just before
	// this session's REPLICAOF; nil when the target was attached before
	// this session, and the watch then counts since the target started.
	DivergenceBase *probe.DivergenceCounters
	// Sample is this session's latest sampled comparison of keys before
	// the cutover (cleared when a new full sync starts); VerifySample the
	// one after it, against the new primary.
	Sample       *SampleRun
	VerifySample *SampleRun

	// InSyncPolls counts consecutive polls with the link in sync.
	InSyncPolls int
	// KeysMatched: on a poll of the current in-sync run, keys minus
	// expires were equal on source and target in every database.
	KeysMatched bool
	KeysDiff    string
	// SwitchMaster is the latest +switch-master naming the target, when
	// the session relays Sentinel events (Session.ObserveEvent).
	SwitchMaster *events.Event
	// FailoverSince is, by Sentinel address, when this session first saw
	// that Sentinel reconfiguring replicas in a failover of the master
	// (its +failover-state-reconf-slaves, or the first poll that showed
	// failover-state reconf_slaves): its failover-timeout counts from
	// there (switch.go).
	FailoverSince map[string]time.Time

	// What this session did.
	Cutover        *CutoverResult
	VerifiedWrite  time.Time
	LeftOldPrimary bool
	Decommissioned bool
	Report         string
	// ReadBack is the latest read-back of the canary's acknowledged
	// writes: verify's, then the report's (readback.go).
	ReadBack *ReadBack
	// HA is what this session did to the other replicas (ha.go).
	HA HAFacts
	// Sync is what it did about the full sync (fullsync_guard.go).
	Sync SyncFacts

	// Running is the step that runs now (set by its driver): the plan
	// keeps it current until it ends, though what it waits for may hold
	// before (the decommission's checks pass before its last reset), so
	// that no later step is ticked before its turn.
	Running StepID
}

// Session is what this flyover process has seen and done. It is not saved
// anywhere: a new process starts with an empty one and the plan still
// lands on the right step, because the plan is derived from the topology
// and the session only adds what the topology cannot show. Safe for
// concurrent use: the UI and a running step both feed it.
type Session struct {
	mu           sync.Mutex
	sync         SyncFacts
	streak       int
	lastCounted  time.Time
	keysMatched  bool
	keysDiff     string
	preflight    *readiness.PreflightFacts
	readiness    *readiness.ReadinessFacts
	divBase      *probe.DivergenceCounters
	sample       *SampleRun
	verifySample *SampleRun
	switchMaster *events.Event
	// failoverSince: see Facts.FailoverSince.
	failoverSince map[string]time.Time
	cutover       *CutoverResult
	verified      time.Time
	leftOld       bool
	decomm        bool
	report        string
	readBack      *ReadBack
	ha            haRecord
}

// NewSession returns an empty session.
func NewSession() *Session { return &Session{} }

// MinPollSpacing: polls closer together than this count once towards
// "in sync for N consecutive polls", so a UI and a step polling at the
// same time do not halve the time it takes.
const MinPollSpacing = 200 * time.Millisecond

// Observe records one snapshot.
func (s *Session) Observe(snap probe.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observeFailovers(snap)
	s.observeSync(snap)
	switch snap.Link.Phase {
	case probe.PhaseHandshake, probe.PhaseTransfer, probe.PhaseLoading:
		// A new full sync: the target's data is new, a sample of the old
		// says nothing about it.
		s.sample = nil
	}
	if !snap.Link.InSync {
		s.streak, s.keysMatched, s.keysDiff = 0, false, ""
		s.lastCounted = snap.At
		return
	}
	if !s.lastCounted.IsZero() && snap.At.Sub(s.lastCounted) < MinPollSpacing && s.streak > 0 {
		return
	}
	s.lastCounted = snap.At
	s.streak++
	if diff := KeyDiff(snap.Source, snap.Target); diff == "" {
		s.keysMatched, s.keysDiff = true, ""
	} else {
		s.keysDiff = diff
	}
}

// ObserveEvent records a Sentinel event: +switch-master naming the
// target, and when a Sentinel starts reconfiguring the replicas (where
// its failover-timeout starts to count).
func (s *Session) ObserveEvent(topo probe.Topology, e events.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case e.Type == "+failover-state-reconf-slaves" && e.MasterName == topo.MasterName:
		if s.failoverSince == nil {
			s.failoverSince = map[string]time.Time{}
		}
		if t, ok := s.failoverSince[e.Sentinel]; !ok || e.Time.Before(t) {
			s.failoverSince[e.Sentinel] = e.Time
		}
	case e.Type == "+switch-master" && e.MasterName == topo.MasterName && topo.IsTarget(e.NewAddr):
		ev := e
		s.switchMaster = &ev
	}
}

// observeFailovers keeps failoverSince: the first poll that shows a
// Sentinel reconfiguring replicas starts its clock (unless its event
// came first), and a Sentinel no longer in a failover forgets it.
func (s *Session) observeFailovers(snap probe.Snapshot) {
	for _, v := range snap.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		if !v.FailoverInProgress() {
			delete(s.failoverSince, v.Addr)
			continue
		}
		if v.FailoverState != "reconf_slaves" {
			continue
		}
		if _, ok := s.failoverSince[v.Addr]; !ok {
			if s.failoverSince == nil {
				s.failoverSince = map[string]time.Time{}
			}
			s.failoverSince[v.Addr] = v.PolledAt
		}
	}
}

// SetPreflight records what preflight gathered.
func (s *Session) SetPreflight(p readiness.PreflightFacts) {
	set(s, &s.preflight, &p)
}

// SetReadiness records the readiness facts (preflight reads them, the
// cutover reads them again).
func (s *Session) SetReadiness(rf readiness.ReadinessFacts) {
	set(s, &s.readiness, &rf)
}

func (s *Session) SetDivergenceBase(c *probe.DivergenceCounters) {
	set(s, &s.divBase, c)
}

// SetSample keeps a sample's result (checks.RunSample).
func (s *Session) SetSample(run SampleRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if run.AfterCutover {
		s.verifySample = &run
	} else {
		s.sample = &run
	}
}

// SetReadBack keeps a read-back's result (checks.ReadBack).
func (s *Session) SetReadBack(rb ReadBack) { set(s, &s.readBack, &rb) }

func (s *Session) SetCutover(r CutoverResult) {
	set(s, &s.cutover, &r)
}

func (s *Session) SetVerified(t time.Time) {
	set(s, &s.verified, t)
}

func (s *Session) SetDecommissioned(leftOld bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decomm, s.leftOld = true, leftOld
}

func (s *Session) SetReport(path string) {
	set(s, &s.report, path)
}

// set stores v in the session's field under its lock.
func set[T any](s *Session, field *T, v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*field = v
}

// Facts bundles a snapshot with what the session knows.
func (s *Session) Facts(topo probe.Topology, snap probe.Snapshot) Facts {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Facts{
		Topo: topo, Snapshot: snap, Preflight: s.preflight,
		Readiness: s.readiness, DivergenceBase: s.divBase, Sample: s.sample, VerifySample: s.verifySample,
		InSyncPolls: s.streak, KeysMatched: s.keysMatched, KeysDiff: s.keysDiff,
		SwitchMaster: s.switchMaster, FailoverSince: maps.Clone(s.failoverSince), Cutover: s.cutover, VerifiedWrite: s.verified,
		LeftOldPrimary: s.leftOld, Decommissioned: s.decomm, Report: s.report, ReadBack: s.readBack,
		HA: s.ha.facts(), Sync: s.sync,
	}
	return f
}

// KeyspaceDBs are the databases either keyspace lists, in order.
func KeyspaceDBs(source, target map[int]probe.DBKeys) []int {
	dbs := map[int]bool{}
	for db := range source {
		dbs[db] = true
	}
	for db := range target {
		dbs[db] = true
	}
	return slices.Sorted(maps.Keys(dbs))
}

// KeyDiff compares keys minus expires per database on two nodes and
// describes the differences, or returns "" when they are equal. Keys with
// a TTL are left out: they expire on the primary's clock and the replica
// follows, so their counts can differ by what expired in between.
func KeyDiff(source, target probe.Node) string {
	var diffs []string
	for _, db := range KeyspaceDBs(source.Keyspace, target.Keyspace) {
		s, t := source.Keyspace[db], target.Keyspace[db]
		sp, tp := s.Keys-s.Expires, t.Keys-t.Expires
		if sp != tp {
			diffs = append(diffs, fmt.Sprintf("db%d: source %d, target %d", db, sp, tp))
		}
	}
	return strings.Join(diffs, "; ")
}
