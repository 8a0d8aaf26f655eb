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
	if sourcePolled || !snap.Link.InSync {
		s.Observe(snap)
	}
	return ObservedMsg{Facts: s.Facts(topo, snap), Ready: ready, SourcePolled: sourcePolled}
}
