package checks

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/probe/readiness"
	"flyover/steps"
)

// The Redis servers the migration leaves behind: the old primary and each
// other Redis replica of it. After the switch Sentinel points them all at
// the new primary, and a Redis replica never syncs from Dragonfly, so each
// keeps serving the data it had at the switch until it is shut down or
// left to the operator, and the Sentinels are reset to forget it.

// OldRedis is one old Redis server as the facts show it.
type OldRedis struct {
	Addr string
	// Primary: the old primary (the source).
	Primary bool
	// Listed are the Sentinels (labels) that list it as a replica.
	Listed []string
	// Down: it does not answer (the old primary), or every Sentinel that
	// lists it flags it down, or this session shut it down.
	Down bool
	// FollowsTarget: it is (as Sentinel or its own INFO says) a replica
	// of the new primary; LinkUp: its link to it is up (synced).
	FollowsTarget bool
	LinkUp        bool
	Fate          steps.Fate
}

func (n OldRedis) Label() string {
	if n.Primary {
		return "the old primary " + n.Addr
	}
	return "replica " + n.Addr
}

// OldRedisServers lists the old primary, then the other old Redis
// replicas: those this session saw before the cutover, and those the
// Sentinels list under the new primary that are not the target, not a
// new replica (--new-replica) and never synced.
func OldRedisServers(f steps.Facts, o steps.Options) []OldRedis {
	src := &f.Snapshot.Source
	out := []OldRedis{{Addr: f.Topo.Source, Primary: true, Down: !src.Reachable, FollowsTarget: steps.SourceFollowsTarget(f),
		LinkUp: src.Role == probe.RoleReplica && src.LinkStatus == "up", Fate: f.HA.Fates[f.Topo.Source]}}
	for i, v := range f.Snapshot.Sentinels {
		for _, r := range v.Replicas {
			if steps.IsSource(f, r.Addr()) {
				out[0].Listed = append(out[0].Listed, steps.EndpointLabel(i))
			}
		}
	}
	known := map[string]bool{}
	for _, a := range f.HA.Others {
		known[a] = true
	}
	for _, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors || !f.Topo.IsTarget(v.MasterAddr) {
			continue
		}
		for _, r := range v.Replicas {
			a := r.Addr()
			if f.Topo.IsTarget(a) || steps.IsSource(f, a) || isNewReplica(o, a) || known[a] {
				continue
			}
			if r.MasterLinkStatus == "ok" && !sentinelSeesDown(r) {
				continue // a replica that syncs from the new primary: not an old Redis
			}
			known[a] = true
		}
	}
	for _, a := range slices.Sorted(maps.Keys(known)) {
		n := OldRedis{Addr: a, Fate: f.HA.Fates[a]}
		down := 0
		for i, v := range f.Snapshot.Sentinels {
			if !v.Reachable || !v.Monitors {
				continue
			}
			if r := v.Replica(a); r != nil {
				n.Listed = append(n.Listed, steps.EndpointLabel(i))
				if sentinelSeesDown(*r) {
					down++
				}
				if f.Topo.IsTarget(net.JoinHostPort(r.MasterHost, strconv.Itoa(r.MasterPort))) {
					n.FollowsTarget = true
					n.LinkUp = n.LinkUp || r.MasterLinkStatus == "ok"
				}
			}
		}
		// This session's SHUTDOWN was followed until the server stopped
		// answering: down, even while the Sentinels still list it and
		// have not flagged it yet (down-after-milliseconds).
		n.Down = len(n.Listed) > 0 && down == len(n.Listed) || n.Fate == steps.FateShutDown
		out = append(out, n)
	}
	return out
}

// sentinelSeesDown: Sentinel flags the server down (not merely
// disconnected: Sentinel's own links drop for a moment when it
// reconfigures a replica).
func sentinelSeesDown(r probe.SentinelReplica) bool {
	return slices.Contains(r.Flags, "s_down") || slices.Contains(r.Flags, "o_down")
}

func isNewReplica(o steps.Options, addr string) bool {
	for _, a := range o.NewReplicas {
		if probe.SameAddr(a, addr) {
			return true
		}
	}
	return false
}

// switchTime is when the target became the primary, as this session knows
// it; zero when it does not.
func switchTime(f steps.Facts) time.Time {
	switch {
	case f.Cutover != nil && !f.Cutover.PromotedAt.IsZero():
		return f.Cutover.PromotedAt
	case f.Cutover != nil && !f.Cutover.FailoverAt.IsZero():
		return f.Cutover.FailoverAt
	case f.SwitchMaster != nil:
		return f.SwitchMaster.Time
	}
	return time.Time{}
}

// OldPrimaryStale is, after the cutover, a few words on what the old
// primary serves to any client that still reads from it while it runs:
// "stale since 19:30:42" (it follows the target but never synced, as a
// Redis replica of Dragonfly never does), "still a primary"; "" while it
// is down, synced with the target, or before a majority of Sentinels
// names the target.
func OldPrimaryStale(f steps.Facts) string {
	src := &f.Snapshot.Source
	if steps.StageOf(f) != steps.StagePromoted || !src.Reachable {
		return "" // before a majority names the target, the source is the primary
	}
	switch {
	case src.Role == probe.RolePrimary:
		return "still a primary"
	case steps.SourceFollowsTarget(f) && src.LinkStatus == "up":
		return ""
	}
	since := "switch" // the time is not known to this session
	if t := switchTime(f); !t.IsZero() {
		since = t.Format("15:04:05")
	}
	return "stale since " + since
}

// StaleLine says what a running old Redis is doing for the clients that
// still reach it.
func StaleLine(f steps.Facts, n OldRedis) string {
	since := "the switch"
	if t := switchTime(f); !t.IsZero() {
		since = t.Format("15:04:05")
	}
	switch {
	case n.FollowsTarget && !n.LinkUp:
		return "following the target, never synced: serving data from " + since
	case n.FollowsTarget:
		return "following the target"
	case n.Primary && f.Snapshot.Source.Role == probe.RolePrimary:
		return "still a primary, taking writes"
	}
	return "still running, not yet pointed at the target: serving data from " + since
}

// LeftCommands are what the operator runs to finish an old Redis left to
// them.
func LeftCommands(f steps.Facts, addr string) string {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		h, p = addr, "6379"
	}
	return fmt.Sprintf("redis-cli -h %s -p %s SHUTDOWN (add --askpass if it needs a password), then SENTINEL RESET %s on each Sentinel, one at a time",
		h, p, f.Topo.MasterName)
}

func ShutdownID(n OldRedis) string {
	if n.Primary {
		return "shutdown"
	}
	return "shutdown " + n.Addr
}

func JoinLabels(ls []string) string { return strings.Join(ls, ", ") }

// ReplicaReadsNote says whether clients read from the replica at addr (as
// preflight found), since a replica left behind serves them stale data;
// "" when preflight did not look.
func ReplicaReadsNote(f steps.Facts, addr string) string {
	if f.Preflight == nil {
		return ""
	}
	for _, c := range f.Preflight.ReplicaClients {
		if probe.SameAddr(c.Addr, addr) {
			return c.Summary()
		}
	}
	return ""
}

// replicaReadsChecks are preflight's lines on whether clients read from
// the other replicas: a line per replica preflight read.
func replicaReadsChecks(f steps.Facts) []steps.Check {
	if f.Preflight == nil {
		return nil
	}
	var cs []steps.Check
	for _, c := range f.Preflight.ReplicaClients {
		id, title := "replica-reads-"+c.Addr, "clients reading from replica "+c.Addr
		switch {
		case c.Error != "":
			cs = append(cs, steps.WarnCheck(id, title, c.Summary()))
		case c.ReadsSeen():
			cs = append(cs, steps.WarnCheck(id, title, c.Summary()))
		default:
			cs = append(cs, steps.PassCheck(id, title, c.Summary()))
		}
	}
	return cs
}

// GatherReplicas reads, through the audited path (reads only), on each
// other replica of the source, reached as the source is: whether clients
// read from it, and what the source's user may run there.
func GatherReplicas(ctx context.Context, r *steps.Runner, f steps.Facts) ([]readiness.ReplicaClients, []access.ACLFacts) {
	if r.DialReplica == nil {
		return nil, nil
	}
	var clients []readiness.ReplicaClients
	var acls []access.ACLFacts
	for _, addr := range steps.OtherReplicas(f) {
		e := r.DialReplica(addr)
		clients = append(clients, readiness.GatherReplicaClients(ctx, r.Doer(), e))
		acls = append(acls, access.GatherACL(ctx, r.Doer(), aclReplica, e, access.ReplicaACLNeeds()))
		e.Close()
	}
	return clients, acls
}

// aclReplica is ACLFacts.Endpoint for an other replica of the source.
const aclReplica = "replica"

// StaleReplicaLines are the old Redis replicas (not the old primary),
// each with what it serves now, for the lines shown before the
// decommission.
func StaleReplicaLines(f steps.Facts, o steps.Options) []string {
	var out []string
	for _, n := range OldRedisServers(f, o) {
		if n.Primary || n.Down {
			continue
		}
		out = append(out, n.Addr+": "+StaleLine(f, n))
	}
	return out
}
