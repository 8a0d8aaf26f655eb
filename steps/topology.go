package steps

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	"flyover/probe"
)

// Who is who in the facts: the source and the target under the names the
// Sentinels and the servers list them by, and the settings the Sentinels
// report. All pure.

// IsSource reports whether addr (as a Sentinel or server lists it) is the
// source: the same address, or one its host name resolves to.
func IsSource(f Facts, addr string) bool {
	if addr == "" {
		return false
	}
	if probe.SameAddr(addr, f.Topo.Source) {
		return true
	}
	_, port, err := net.SplitHostPort(f.Topo.Source)
	if err != nil || f.Preflight == nil {
		return false
	}
	return probe.AddrIn(addr, f.Preflight.SourceIPs, port)
}

// TargetIsSource: --target names the source, by its address or another
// one (same run_id).
func TargetIsSource(f Facts) bool {
	s := &f.Snapshot
	return probe.SameAddr(f.Topo.Source, f.Topo.Target) ||
		s.Source.Reachable && s.Target.Reachable && s.Source.RunID != "" && s.Source.RunID == s.Target.RunID
}

// SourceAsSentinelKnowsIt is the source's address as the Sentinels name it:
// what REPLICAOF on the target must use (SPEC: a target pointed at a
// hostname while Sentinel knows an IP is "fixed" by Sentinel later, with a
// full resync). Empty when the Sentinels do not agree on the source.
func SourceAsSentinelKnowsIt(f Facts) string {
	s := &f.Snapshot
	if s.SentinelsAgree && IsSource(f, s.AgreedMaster) {
		return s.AgreedMaster
	}
	return ""
}

// TargetListedAs is the target's address as the Sentinels list it (which
// is how the source lists it), or "".
func TargetListedAs(f Facts) string {
	for _, v := range f.Snapshot.Sentinels {
		for _, r := range v.Replicas {
			if f.Topo.IsTarget(r.Addr()) {
				return r.Addr()
			}
		}
	}
	if l := f.Snapshot.Link.Line; l != nil {
		return l.Addr()
	}
	return ""
}

// AnnouncedAs is the address the target announces to its primary
// (replica-announce-ip/port), when it is not the address flyover was
// given; "" otherwise.
func AnnouncedAs(f Facts) string {
	if f.Preflight == nil {
		return ""
	}
	t := f.Preflight.Target
	if t.AnnounceIP == "" && t.AnnouncePort == 0 {
		return ""
	}
	host, port, err := net.SplitHostPort(f.Topo.Target)
	if err != nil {
		return ""
	}
	if t.AnnounceIP != "" {
		host = t.AnnounceIP
	}
	if t.AnnouncePort != 0 {
		port = strconv.Itoa(t.AnnouncePort)
	}
	a := net.JoinHostPort(host, port)
	if f.Topo.IsTarget(a) {
		return ""
	}
	return a
}

// OldPrimaryFenced: the old primary can no longer take writes: it is gone
// or it is a replica.
func OldPrimaryFenced(f Facts) bool {
	return !f.Snapshot.Source.Reachable || f.Snapshot.Source.Role == probe.RoleReplica
}

// OtherReplicas are the source's replicas other than the target, as the
// source and the Sentinels list them, sorted.
func OtherReplicas(f Facts) []string {
	seen := map[string]bool{}
	add := func(addr string) {
		if addr == "" || f.Topo.IsTarget(addr) || IsSource(f, addr) {
			return
		}
		for a := range seen {
			if probe.SameAddr(a, addr) {
				return
			}
		}
		seen[addr] = true
	}
	if f.Snapshot.Source.Reachable && f.Snapshot.Source.Role == probe.RolePrimary {
		for _, r := range f.Snapshot.Source.Replicas {
			add(r.Addr())
		}
	}
	for _, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors || !IsSource(f, v.MasterAddr) {
			continue
		}
		for _, r := range v.Replicas {
			add(r.Addr())
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func TargetKeys(f Facts) int64 {
	n := f.Snapshot.Target.Keys()
	if f.Preflight != nil && f.Preflight.Target.Has("dbsize") {
		n = max(n, f.Preflight.Target.DBSize)
	}
	return n
}

// FailoverTimeout is the largest failover-timeout the Sentinels report.
func FailoverTimeout(f Facts) time.Duration {
	var d time.Duration
	for _, v := range f.Snapshot.Sentinels {
		d = max(d, v.FailoverTimeout)
	}
	return d
}

// DownAfter is the largest down-after-milliseconds the Sentinels report.
func DownAfter(f Facts) time.Duration {
	var d time.Duration
	for _, v := range f.Snapshot.Sentinels {
		d = max(d, v.DownAfter)
	}
	return d
}

func EndpointLabel(i int) string { return fmt.Sprintf("sentinel-%d", i+1) }

func SentinelAddr(f Facts, i int) string {
	if i < len(f.Snapshot.Sentinels) {
		return f.Snapshot.Sentinels[i].Addr
	}
	return ""
}

// LagText is the lag as the operator reads it: bytes when known, whose
// view it is when the target does not answer, and "unknown" rather than a
// zero that means nothing.
func LagText(f Facts) string {
	l := &f.Snapshot.Link
	if !l.LagKnown {
		return "lag unknown"
	}
	s := "lag " + probe.Bytes(l.LagBytes)
	if l.SourceView {
		s += " (the source's view: " + targetSilence(l) + ")"
	}
	return s
}

// targetSilence says how long the target has not answered and when it
// last acknowledged, as far as anyone knows.
func targetSilence(l *probe.Link) string {
	s := "the target has not answered"
	switch {
	case l.TargetSilent > 0:
		s += " for " + l.TargetSilent.Round(time.Second).String()
	case l.TargetSilent < 0:
		s += " since flyover started"
	}
	if l.AckAge >= 0 {
		s += ", last acknowledged " + l.AckAge.Round(time.Second).String() + " ago"
	}
	return s
}
