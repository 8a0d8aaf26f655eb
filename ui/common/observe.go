package common

import (
	"flyover/probe"
	"flyover/steps"
)

// Observe digests one poll result for every room: the session takes the
// snapshot, and the observation is what it then knows of it. The in-sync
// streak counts source polls in sync; any poll out of sync breaks it, so
// a poll of another endpoint in sync is not counted. The root model calls
// it on every poll; a room's tests call it as the root would.
func Observe(s *steps.Session, topo probe.Topology, snap probe.Snapshot, ready, sourcePolled bool) ObservedMsg {
	Witness(s, snap, sourcePolled)
	return Observed(s, topo, snap, ready, sourcePolled)
}

// Witness is Observe's first half, the session's: it counts every poll,
// even one whose observation is handed over later, with others (a
// coalesced redraw, Config.Redraw).
func Witness(s *steps.Session, snap probe.Snapshot, sourcePolled bool) {
	if sourcePolled || !snap.Link.InSync {
		s.Observe(snap)
	}
}

// Observed is Observe's second half: what the session knows of snap.
func Observed(s *steps.Session, topo probe.Topology, snap probe.Snapshot, ready, sourcePolled bool) ObservedMsg {
	return ObservedMsg{Facts: s.Facts(topo, snap), Ready: ready, SourcePolled: sourcePolled}
}
