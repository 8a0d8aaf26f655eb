package steps

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"flyover/probe"
)

// The "promoted but not announced" window. The Sentinel that takes
// SENTINEL FAILOVER promotes the target (REPLICAOF NO ONE), then tells
// the others through its hello messages, every 2 s. If it dies in
// between, the target reports master and no Sentinel names it: clients
// are still sent to the old primary. Read as "detached" this would look
// like a target that was never attached; it is a stage of its own, with
// what is happening and what to do.

// promotedUnannounced: the target reports master, no reachable Sentinel
// names it, none reports a failover in progress, and something says it
// was promoted from the source: this session sent SENTINEL FAILOVER, or
// the old primary follows the target (fenced), or a Sentinel is gone and
// the others still list the target as their replica while its own INFO
// says master.
func promotedUnannounced(f Facts) bool {
	s := &f.Snapshot
	if !s.Target.Reachable || s.Target.Role != probe.RolePrimary || TargetNaming(f) > 0 || AnyFailoverInProgress(f) {
		return false
	}
	if f.Cutover != nil && !f.Cutover.FailoverAt.IsZero() {
		return true
	}
	if SourceFollowsTarget(f) {
		return true
	}
	return len(silentSentinels(f)) > 0 && listedReportingMaster(f)
}

// SourceFollowsTarget: the old primary is a replica of the target (the
// fence has happened).
func SourceFollowsTarget(f Facts) bool {
	src := &f.Snapshot.Source
	return src.Reachable && src.Role == probe.RoleReplica &&
		f.Topo.IsTarget(net.JoinHostPort(src.MasterHost, strconv.Itoa(src.MasterPort)))
}

// listedReportingMaster: a reachable Sentinel lists the target as a
// replica of the source and the target's INFO told it "master".
func listedReportingMaster(f Facts) bool {
	for _, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		for _, r := range v.Replicas {
			if f.Topo.IsTarget(r.Addr()) && r.RoleReported == "master" {
				return true
			}
		}
	}
	return false
}

// silentSentinels are the Sentinels that do not answer, by label.
func silentSentinels(f Facts) []string {
	var out []string
	for i, v := range f.Snapshot.Sentinels {
		if !v.Reachable {
			out = append(out, EndpointLabel(i))
		}
	}
	return out
}

// unannouncedWhat says what is happening, in one sentence.
func unannouncedWhat(f Facts) string {
	who := "the Sentinel that ran the failover"
	if f.Cutover != nil && f.Cutover.FailoverSentinel != "" {
		who = f.Cutover.FailoverSentinel + ", which ran the failover,"
	}
	gone := ""
	if silent := silentSentinels(f); len(silent) > 0 {
		gone = " (" + strings.Join(silent, ", ") + " not answering)"
	}
	clients := "clients are still sent to the old primary, which takes writes"
	if SourceFollowsTarget(f) {
		clients = "clients are still sent to the old primary, now a read-only replica of the target, so writes fail (READONLY)"
	} else if !f.Snapshot.Source.Reachable {
		clients = "clients are still sent to the old primary, which does not answer"
	}
	return fmt.Sprintf("the target reports master but no Sentinel names it: %s promoted it and stopped before the others heard of it%s; %s",
		who, gone, clients)
}

// UnannouncedDo says what the operator should do.
func UnannouncedDo(f Facts) string {
	back := "bring the Sentinel that ran the failover back: it tells the others and they switch to the target (+switch-master)"
	if SourceFollowsTarget(f) {
		return back + ". If it cannot come back: the others see their master report replica, take it as down after " +
			fmt.Sprintf("down-after-milliseconds (%s) plus about 20 s, and fail over to the target themselves ", DownAfter(f)) +
			"(the other replicas have priority 0). Do not send REPLICAOF to the target: it holds the only copy of new writes"
	}
	return back + ". If it cannot come back: the others turn the target back into a replica of the old primary about 8 s after " +
		"they notice it reports master (Dragonfly: a full resync); the old primary still has every write. Keep clients on the " +
		"old primary, wait for the target to stream again, then run the cutover again"
}

// UnannouncedCheck is the stage as a block on the cutover step.
func UnannouncedCheck(f Facts) Check {
	return BlockCheck("promoted-unannounced", "a majority of Sentinels name the promoted target", unannouncedWhat(f), UnannouncedDo(f))
}
