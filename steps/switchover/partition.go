package switchover

import (
	"fmt"
	"strings"

	"flyover/probe"
	"flyover/steps"
)

// UnreachableEndpoint is an endpoint flyover cannot reach, with what the
// endpoints it does reach still say about it: a network partition as seen
// from flyover. An endpoint flyover cannot reach may be down, or only cut
// off from flyover; the others' words tell which.
type UnreachableEndpoint struct {
	Name  string `json:"name"` // source, target, sentinel-N
	Addr  string `json:"addr"`
	Error string `json:"error"`
	// Others are the other endpoints' words about it, one each, without
	// ages, so that a partition that does not change reads the same from
	// one poll to the next ("sentinel-1 names it the primary and sees it
	// s_down").
	Others []string `json:"others"`
	// UpForOthers: some endpoint flyover reaches still reaches it (a
	// Sentinel sees it up, a replication link to it is up): flyover is
	// cut off from it rather than it being down.
	UpForOthers bool `json:"up_for_others"`
}

// String is one line: the endpoint, then what the others say.
func (u UnreachableEndpoint) String() string {
	s := u.Name + " " + u.Addr + " silent to flyover"
	if len(u.Others) == 0 {
		return s + "; nothing flyover reaches says anything of it"
	}
	if u.UpForOthers {
		return s + ", but " + strings.Join(u.Others, "; ")
	}
	return s + "; " + strings.Join(u.Others, "; ")
}

// Unreachable lists the endpoints flyover cannot reach, each with what
// the others say of it. Empty when flyover reaches every endpoint; an
// endpoint not polled yet is not counted.
func Unreachable(f steps.Facts) []UnreachableEndpoint {
	s := &f.Snapshot
	var out []UnreachableEndpoint
	if !s.Source.Reachable && !s.Source.PolledAt.IsZero() {
		u := UnreachableEndpoint{Name: "source", Addr: f.Topo.Source, Error: s.Source.Error}
		u.othersOnDataNode(f, f.Topo.Source, "target", &s.Target)
		out = append(out, u)
	}
	if !s.Target.Reachable && !s.Target.PolledAt.IsZero() {
		u := UnreachableEndpoint{Name: "target", Addr: f.Topo.Target, Error: s.Target.Error}
		u.othersOnDataNode(f, f.Topo.Target, "source", &s.Source)
		out = append(out, u)
	}
	for i, v := range s.Sentinels {
		if v.Reachable || v.PolledAt.IsZero() {
			continue
		}
		u := UnreachableEndpoint{Name: steps.EndpointLabel(i), Addr: v.Addr, Error: v.Error}
		for j, w := range s.Sentinels {
			if j == i || !w.Reachable {
				continue
			}
			said, up := steps.EndpointLabel(j)+" does not list it", false
			for _, p := range w.Peers {
				if probe.SameAddr(p.Addr(), v.Addr) {
					said, up = steps.EndpointLabel(j)+" sees it up", !p.Down()
					if p.Down() {
						said = steps.EndpointLabel(j) + " sees it " + strings.Join(p.Flags, ",")
					}
				}
			}
			u.say(said, up)
		}
		out = append(out, u)
	}
	return out
}

func (u *UnreachableEndpoint) say(words string, up bool) {
	u.Others = append(u.Others, words)
	u.UpForOthers = u.UpForOthers || up
}

// othersOnDataNode is what the other data node (peer, named peerName)
// and the Sentinels say of the data node at addr, the peer first.
func (u *UnreachableEndpoint) othersOnDataNode(f steps.Facts, addr, peerName string, peer *probe.Node) {
	if peer.Reachable {
		switch {
		case peer.Follows(addr) || peerName == "target" && f.Snapshot.Link.FollowsSource:
			u.say(fmt.Sprintf("the %s replicates from it, link %s", peerName, orWord(peer.LinkStatus, "unknown")), peer.LinkStatus == "up")
		case peer.Role == probe.RolePrimary:
			listed := false
			for _, r := range peer.Replicas {
				if sameNode(f, r.Addr(), addr) {
					listed = true
					u.say(fmt.Sprintf("the %s lists it as a replica, %s", peerName, orWord(r.State, "state unknown")), r.State == "online")
				}
			}
			if !listed {
				u.say("the "+peerName+" does not list it as a replica", false)
			}
		}
	}
	for i, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		name := steps.EndpointLabel(i)
		if sameNode(f, v.MasterAddr, addr) {
			if v.MasterDown() {
				u.say(name+" names it the primary and sees it "+strings.Join(v.MasterFlags, ","), false)
			} else {
				u.say(name+" names it the primary, up", true)
			}
			continue
		}
		said, up := name+" names "+v.MasterAddr+" the primary", false
		for _, r := range v.Replicas {
			if sameNode(f, r.Addr(), addr) {
				said, up = name+" lists it as a replica, "+strings.Join(r.Flags, ","), !r.Down()
			}
		}
		u.say(said, up)
	}
}

// sameNode: a and b name the same data node (the target may be listed
// by another of its addresses).
func sameNode(f steps.Facts, a, b string) bool {
	return probe.SameAddr(a, b) || f.Topo.IsTarget(a) && f.Topo.IsTarget(b)
}

func orWord(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
