package checks

import (
	"fmt"
	"net"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
)

// Preflight is SPEC's preflight list, each a line: pass, warn with why, or
// BlockCheck with the fix. It adapts to the stage: once the target follows the
// source, "the target is empty" no longer applies.
func Preflight(f steps.Facts, o steps.Options) []steps.Check {
	o = o.WithDefaults()
	s := &f.Snapshot
	stage := steps.StageOf(f)
	Attached := stage == steps.StageSyncing || stage == steps.StageStreaming
	var cs []steps.Check

	// Reachability, auth, kind and version of every endpoint.
	cs = append(cs, nodeCheck("source", "source", s.Source))
	if s.Source.Reachable {
		cs = append(cs, sourceAllowsCheck(f, o)) // versions.go: before anything else
	}
	cs = append(cs, nodeCheck("target", "target", s.Target))
	cs = append(cs, sentinelChecks(s.Sentinels, f.Topo.MasterName)...)
	if c, ok := sentinelVersionsCheck(f); ok { // versions.go
		cs = append(cs, c)
	}
	if c, ok := targetNotSourceCheck(f); ok {
		cs = append(cs, c)
	}
	if s.Source.Reachable {
		switch {
		case s.Source.Kind == probe.KindDragonfly:
			cs = append(cs, steps.BlockCheck("source-kind", "the source is Redis", "the source is Dragonfly "+s.Source.Version,
				"flyover migrates a Redis primary onto Dragonfly: point --source at the Redis primary"))
		case s.Source.Role != probe.RolePrimary:
			cs = append(cs, steps.BlockCheck("source-primary", "the source is a primary",
				fmt.Sprintf("the source is a replica of %s:%d", s.Source.MasterHost, s.Source.MasterPort),
				"point --source at the primary the Sentinels name ("+s.AgreedMaster+")"))
		default:
			cs = append(cs, steps.PassCheck("source-primary", "the source is a primary",
				fmt.Sprintf("%d replica(s) attached, %d keys", len(s.Source.Replicas), s.Source.Keys())))
		}
	}
	if s.Target.Reachable {
		cs = append(cs, targetKindCheck(s.Target))
	}

	// The Sentinels agree, name the source, and can fail over.
	cs = append(cs, sentinelAgreementCheck(f))

	// The target: empty, not following another primary, big enough.
	if s.Target.Reachable {
		cs = append(cs, targetFollowCheck(f, Attached))
		cs = append(cs, targetEmptyCheck(f, o, Attached))
		if s.Source.Reachable {
			cs = append(cs, targetMemoryCheck(f))
		}
		if c, ok := replicationAuthCheck(f); ok && !Attached {
			cs = append(cs, c)
		}
	}
	cs = append(cs, targetAddressCheck(f, Attached))
	cs = append(cs, otherReplicasCheck(f))
	cs = append(cs, replicaReadsChecks(f)...) // replicas.go
	cs = append(cs, promotionCheck(f))
	cs = append(cs, persistenceCheck(f))
	cs = append(cs, minReplicasCheck(f))
	cs = append(cs, FullSyncChecks(f)...)           // fullsync.go
	if c, ok := steps.FailoverTimeoutCheck(f); ok { // failover_timeout.go
		cs = append(cs, c)
	}
	if f.Preflight != nil && (len(f.Preflight.Source.Errors) > 0 || len(f.Preflight.Target.Errors) > 0) {
		cs = append(cs, steps.WarnCheck("config-read", "configuration read",
			"some settings could not be read, so their checks are incomplete: "+
				strings.Join(append(append([]string(nil), f.Preflight.Source.Errors...), f.Preflight.Target.Errors...), "; ")))
	}
	cs = append(cs, aclChecks(f)...)
	if f.Readiness != nil {
		cs = append(cs, ReadinessChecks(*f.Readiness)...)
	}
	if addr := steps.SourceAsSentinelKnowsIt(f); addr != "" {
		h, p, _ := net.SplitHostPort(addr)
		cs = append(cs, steps.PassCheck("replicaof-address", "the address to use for REPLICAOF",
			fmt.Sprintf("REPLICAOF %s %s: the source as the Sentinels know it", h, p)))
	}
	return cs
}

func nodeCheck(id, name string, n probe.Node) steps.Check {
	title := name + " reachable"
	if !n.Reachable {
		return steps.Clears(steps.BlockCheck(id+"-reachable", title, n.Error, "flyover must reach the "+name+": fix the address, the server or its credentials"))
	}
	kind := string(n.Kind)
	if kind == "" {
		kind = "unknown server"
	}
	return steps.PassCheck(id+"-reachable", title, fmt.Sprintf("%s %s, role %s, %s round trip", kind, n.Version, n.Role, n.RTT.Round(10*time.Microsecond)))
}

// sentinelChecks is one line per distinct finding about the Sentinels:
// the same verdict, detail and fix on several of them is one line that
// names each ("3 of 3 Sentinels: sentinel-1 a, ..."), not one paragraph a
// Sentinel. The line keeps the first one's ID.
func sentinelChecks(views []probe.SentinelView, master string) []steps.Check {
	type group struct {
		c   steps.Check
		who []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for i, v := range views {
		c := sentinelCheck(i, v, master)
		// A Sentinel's own address in its detail (a dial error names it)
		// does not make its finding another one.
		detail := strings.ReplaceAll(c.Detail, v.Addr, "")
		key := string(c.Level) + "\x00" + detail + "\x00" + c.Fix
		if g, ok := byKey[key]; ok {
			g.who = append(g.who, c.Title)
			continue
		}
		g := &group{c: c, who: []string{c.Title}}
		byKey[key] = g
		groups = append(groups, g)
	}
	out := make([]steps.Check, 0, len(groups))
	for _, g := range groups {
		c := g.c
		if len(g.who) > 1 {
			c.Title = fmt.Sprintf("%d of %d Sentinels: %s", len(g.who), len(views), strings.Join(g.who, ", "))
		}
		out = append(out, c)
	}
	return out
}

func sentinelCheck(i int, v probe.SentinelView, master string) steps.Check {
	id, title := steps.EndpointLabel(i), steps.EndpointLabel(i)+" "+v.Addr
	switch {
	case !v.Reachable:
		return steps.Clears(steps.BlockCheck(id, title, v.Error, "flyover needs every Sentinel: all of them must send clients to the target"))
	case !v.Monitors:
		return steps.BlockCheck(id, title, v.Error, "the master name must be one every Sentinel monitors")
	case !v.QuorumOK:
		return steps.Clears(steps.BlockCheck(id, title, "SENTINEL CKQUORUM "+master+": "+v.QuorumReply,
			"the Sentinels cannot authorize a failover: make sure a majority of them is running and they can reach each other and the source"))
	}
	return steps.PassCheck(id, title, fmt.Sprintf("monitors %q at %s, quorum %d, %d other Sentinels, CKQUORUM ok; down-after %s, failover-timeout %s",
		master, v.MasterAddr, v.Quorum, v.NumOtherSentinels, v.DownAfter, v.FailoverTimeout))
}

// targetNotSourceCheck blocks when --target names the source itself:
// REPLICAOF would make the primary a replica of itself.
func targetNotSourceCheck(f steps.Facts) (steps.Check, bool) {
	s := &f.Snapshot
	const id, title = "target-not-source", "the target is not the source"
	if !steps.TargetIsSource(f) {
		return steps.Check{}, false
	}
	same := probe.SameAddr(f.Topo.Source, f.Topo.Target)
	why := "--target and --source are the same address " + f.Topo.Target
	if !same {
		why = fmt.Sprintf("%s and %s are the same server (run_id %s)", f.Topo.Source, f.Topo.Target, s.Source.RunID)
	}
	return steps.BlockCheck(id, title, why, "point --target at the Dragonfly instance to migrate to"), true
}

func targetKindCheck(n probe.Node) steps.Check {
	switch n.Kind {
	case probe.KindDragonfly:
		if note := dragonflyAckNote(n); note != "" {
			return steps.WarnCheck("target-kind", "the target is Dragonfly", note)
		}
		return steps.PassCheck("target-kind", "the target is Dragonfly", "Dragonfly "+n.Version)
	case probe.KindUnknown:
		return steps.WarnCheck("target-kind", "the target is Dragonfly", "the target did not say what it is (no redis_version or dragonfly_version in INFO)")
	}
	return steps.WarnCheck("target-kind", "the target is Dragonfly",
		fmt.Sprintf("the target is %s %s, not Dragonfly (a stand-in?): the steps work the same", n.Kind, n.Version))
}

func sentinelAgreementCheck(f steps.Facts) steps.Check {
	s := &f.Snapshot
	const id, title = "sentinels-name-source", "the Sentinels agree and name the source"
	if len(s.Sentinels) == 0 {
		return steps.BlockCheck(id, title, "no Sentinels given", "list every Sentinel with --sentinel")
	}
	if !s.SentinelsAgree {
		var names []string
		for i, v := range s.Sentinels {
			if v.Reachable && v.Monitors {
				names = append(names, fmt.Sprintf("%s names %s", steps.EndpointLabel(i), v.MasterAddr))
			}
		}
		if len(names) == 0 {
			return steps.BlockCheck(id, title, "no Sentinel answered for "+f.Topo.MasterName, "see the Sentinel lines above")
		}
		return steps.Clears(steps.BlockCheck(id, title, "the Sentinels disagree: "+strings.Join(names, ", "),
			"wait for them to converge (is a failover running?), or check each one's configuration for "+f.Topo.MasterName))
	}
	if steps.IsSource(f, s.AgreedMaster) {
		return steps.PassCheck(id, title, "every Sentinel names "+s.AgreedMaster)
	}
	if f.Topo.IsTarget(s.AgreedMaster) {
		return steps.PassCheck(id, title, "every Sentinel names the target "+s.AgreedMaster+": the cutover is done")
	}
	return steps.BlockCheck(id, title, fmt.Sprintf("the Sentinels name %s as the primary of %q, not the source %s", s.AgreedMaster, f.Topo.MasterName, f.Topo.Source),
		"point --source at "+s.AgreedMaster+" (or check --master)")
}

func targetFollowCheck(f steps.Facts, Attached bool) steps.Check {
	t := &f.Snapshot.Target
	const id, title = "target-not-following", "the target follows no other primary"
	if Attached {
		return steps.PassCheck(id, title, "it already follows the source")
	}
	if t.Role == probe.RoleReplica {
		other := fmt.Sprintf("%s:%d", t.MasterHost, t.MasterPort)
		return steps.Check{ID: id, Title: title, Level: steps.Block,
			Detail:      "the target replicates from " + other,
			Fix:         "if " + other + " is not meant to be its primary, detach it: REPLICAOF NO ONE on the target",
			FixCommands: []steps.Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", "NO", "ONE"}}}}
	}
	if t.Role == probe.RolePrimary && len(t.Replicas) > 0 {
		return steps.WarnCheck(id, title, fmt.Sprintf("the target is a primary with %d replica(s) of its own: they will resync from the source's data", len(t.Replicas)))
	}
	return steps.PassCheck(id, title, "the target is a primary of its own")
}

func targetEmptyCheck(f steps.Facts, o steps.Options, Attached bool) steps.Check {
	const id, title = "target-empty", "the target is empty"
	if Attached {
		return steps.PassCheck(id, title, "it holds the source's data now (it follows the source)")
	}
	n := steps.TargetKeys(f)
	if n == 0 {
		return steps.PassCheck(id, title, "no keys")
	}
	detail := fmt.Sprintf("the target holds %d keys: REPLICAOF wipes them", n)
	if o.AllowNonemptyTarget {
		return steps.WarnCheck(id, title, detail+" (allowed by --allow-nonempty-target)")
	}
	return steps.BlockCheck(id, title, detail, "empty the target yourself if its data is not needed, or run flyover with --allow-nonempty-target to let REPLICAOF wipe it")
}

func targetMemoryCheck(f steps.Facts) steps.Check {
	const id, title = "target-memory", "the target's memory limit fits the source's data"
	s, t := &f.Snapshot.Source, &f.Snapshot.Target
	limit := t.MaxMemory
	if f.Preflight != nil && f.Preflight.Target.Has("maxmemory") && f.Preflight.Target.MaxMemory > 0 {
		limit = f.Preflight.Target.MaxMemory
	}
	used := s.UsedMemory
	switch {
	case limit <= 0:
		return steps.PassCheck(id, title, fmt.Sprintf("no limit on the target; the source uses %s", probe.Bytes(used)))
	case limit < used:
		return steps.BlockCheck(id, title, fmt.Sprintf("target maxmemory %s < source used_memory %s", probe.Bytes(limit), probe.Bytes(used)),
			"raise the target's limit (Dragonfly: --maxmemory; CONFIG SET maxmemory) before attaching")
	case float64(limit) < 1.2*float64(used):
		return steps.WarnCheck(id, title, fmt.Sprintf("target maxmemory %s leaves less than 20%% headroom over source used_memory %s", probe.Bytes(limit), probe.Bytes(used)))
	}
	return steps.PassCheck(id, title, fmt.Sprintf("target maxmemory %s, source uses %s", probe.Bytes(limit), probe.Bytes(used)))
}

func targetAddressCheck(f steps.Facts, Attached bool) steps.Check {
	const id, title = "target-address", "the Sentinels can reach the target as the source lists it"
	if Attached {
		if detail, ok := ListingProblem(f); ok {
			return steps.BlockCheck(id, title, detail, ListingFix)
		}
		listed := steps.TargetListedAs(f)
		if listed == "" {
			return steps.WarnCheck(id, title, "the source does not list the target yet")
		}
		var bad []string
		for i, v := range f.Snapshot.Sentinels {
			if r := v.Replica(listed); r != nil && r.Down() {
				bad = append(bad, steps.EndpointLabel(i)+" flags it "+strings.Join(r.Flags, ","))
			}
		}
		if len(bad) > 0 {
			return steps.Clears(steps.BlockCheck(id, title, "the source lists the target as "+listed+" and "+strings.Join(bad, "; "),
				"make "+listed+" reachable from the Sentinels, or set replica-announce-ip/port on the target (Dragonfly: --replica_announce_ip, --announce_port)"))
		}
		return steps.PassCheck(id, title, "listed as "+listed)
	}
	announce := ""
	if f.Preflight != nil && f.Preflight.Target.AnnounceIP != "" {
		announce = f.Preflight.Target.AnnounceIP
	}
	th, tp, _ := net.SplitHostPort(f.Topo.Target)
	if a := steps.AnnouncedAs(f); a != "" {
		return steps.BlockCheck(id, title, fmt.Sprintf("the target announces itself as %s (replica-announce-ip/port), not as %s: the source will list it, "+
			"and the Sentinels will connect to it and promote it, at %s, where flyover cannot follow it", a, f.Topo.Target, a),
			"if the Sentinels reach the target at "+a+", run flyover with --target "+a+"; if not, set replica-announce-ip/port on the target "+
				"to an address they reach (Dragonfly: --replica_announce_ip, --announce_port), or unset them")
	}
	if announce != "" {
		return steps.PassCheck(id, title, fmt.Sprintf("the target announces %s: the source will list it as %s:%s and the Sentinels will connect there", announce, announce, tp))
	}
	if isLoopback(th) {
		for i, v := range f.Snapshot.Sentinels {
			if h, _, err := net.SplitHostPort(v.Addr); err == nil && !isLoopback(h) {
				return steps.WarnCheck(id, title, fmt.Sprintf("the target is addressed as %s but %s is at %s: the source lists a replica by the IP it connects from, and the Sentinels must reach that IP on port %s (set replica-announce-ip on the target if they cannot)", th, steps.EndpointLabel(i), v.Addr, tp))
			}
		}
	}
	return steps.PassCheck(id, title, "the source will list the target by the IP it connects from, port "+tp+"; step 5 checks that every Sentinel reaches it")
}

// ListingProblem explains, once the target streams from the source,
// that the source does not list it at the address flyover knows it by:
// the Sentinels learn replicas from that list, so they know the target by
// another address (replica-announce-ip/port, NAT) that flyover cannot
// follow, and that they may not reach.
func ListingProblem(f steps.Facts) (string, bool) {
	s := &f.Snapshot
	if !s.Link.FollowsSource || s.Link.ListedBySource || s.Link.Phase != probe.PhaseOnline || !s.Source.Reachable {
		return "", false
	}
	var listed []string
	for _, r := range s.Source.Replicas {
		if !f.Topo.IsTarget(r.Addr()) {
			listed = append(listed, r.Addr())
		}
	}
	detail := fmt.Sprintf("the target streams from the source, but the source does not list it as %s", f.Topo.Target)
	if a := steps.AnnouncedAs(f); a != "" {
		detail += fmt.Sprintf(": it announces itself as %s (replica-announce-ip/port)", a)
	}
	if len(listed) > 0 {
		detail += "; the source lists " + strings.Join(listed, ", ")
		var down []string
		for i, v := range s.Sentinels {
			for _, l := range listed {
				if r := v.Replica(l); r != nil && r.Down() {
					down = append(down, fmt.Sprintf("%s cannot reach %s (%s)", steps.EndpointLabel(i), l, strings.Join(r.Flags, ",")))
				}
			}
		}
		if len(down) > 0 {
			detail += "; " + strings.Join(down, "; ")
		}
	}
	return detail, true
}

// ListingFix is what to do about a listingProblem.
const ListingFix = "the Sentinels know the target by the address the source lists, so they must reach it there and flyover must be given it: " +
	"abort (detach the target), then set replica-announce-ip/port on the target to an address the Sentinels reach " +
	"(Dragonfly: --replica_announce_ip, --announce_port) and run flyover with --target at that address"

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func otherReplicasCheck(f steps.Facts) steps.Check {
	const id, title = "other-replicas", "other replicas of the source"
	others := steps.OtherReplicas(f)
	if len(others) == 0 {
		return steps.PassCheck(id, title, "none: Sentinel switches as soon as the target is promoted")
	}
	return steps.WarnCheck(id, title, fmt.Sprintf("%s: after the cutover Sentinel tells them to follow Dragonfly, which Redis replicas can never sync from, so +switch-master waits the whole failover-timeout (%s); step 6 gives them priority 0 so that only the target can be promoted (abort restores it)",
		strings.Join(others, ", "), steps.FailoverTimeout(f)))
}

func promotionCheck(f steps.Facts) steps.Check {
	const id, title = "promotion-candidate", "the replica Sentinel would promote"
	var picks []string
	allTarget, other, anyKnows := true, false, false
	for i, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		anyKnows = anyKnows || v.KnowsTarget
		switch {
		case v.WouldPromoteTarget:
			picks = append(picks, steps.EndpointLabel(i)+": the target")
		case v.WouldPromote != "":
			allTarget, other = false, true
			picks = append(picks, steps.EndpointLabel(i)+": "+v.WouldPromote)
		default:
			allTarget = false
			picks = append(picks, steps.EndpointLabel(i)+": none")
		}
	}
	if len(picks) == 0 {
		return steps.WarnCheck(id, title, "no Sentinel answered")
	}
	detail := strings.Join(picks, "; ")
	switch {
	case allTarget:
		return steps.PassCheck(id, title, "every Sentinel would promote the target")
	case other:
		return steps.WarnCheck(id, title, detail+": step 6 gives the other replicas priority 0 so that only the target can be promoted")
	case !anyKnows:
		return steps.PassCheck(id, title, detail+" (the target is not registered with Sentinel yet; step 5 waits for it)")
	}
	return steps.PassCheck(id, title, detail+" (Sentinel has not rated the target yet; step 5 waits for it)")
}

func persistenceCheck(f steps.Facts) steps.Check {
	const id, title = "source-persistence", "persistence on the source"
	return sourceConfigCheck(f, id, title, func(c readiness.SourceConfig) steps.Check {
		if !c.Has("save") && !c.Has("appendonly") {
			return steps.WarnCheck(id, title, "unknown (CONFIG GET refused): a full sync forks the source; make sure it has memory headroom for copy-on-write")
		}
		save := c.Save
		if save == "" {
			save = "off"
		}
		aof := "no"
		if c.AppendOnly {
			aof = "yes"
		}
		detail := fmt.Sprintf("save %q, appendonly %s", save, aof)
		if c.Has("repl-diskless-sync") && !c.DisklessSync {
			return steps.WarnCheck(id, title, detail+"; repl-diskless-sync no: the full sync forks the source and writes an RDB to its disk before sending it (disk space, time)")
		}
		if c.Has("repl-diskless-sync-delay") && c.DisklessSyncDelay > 0 {
			detail += fmt.Sprintf("; the full sync starts %d s after REPLICAOF (repl-diskless-sync-delay)", c.DisklessSyncDelay)
		}
		return steps.PassCheck(id, title, detail+"; a full sync forks the source: leave memory headroom for copy-on-write")
	})
}

func minReplicasCheck(f steps.Facts) steps.Check {
	const id, title = "source-min-replicas", "min-replicas-to-write on the source"
	return sourceConfigCheck(f, id, title, func(c readiness.SourceConfig) steps.Check {
		if !c.Has("min-replicas-to-write") {
			if f.Snapshot.Source.MinReplicasToWrite > 0 {
				return steps.WarnCheck(id, title, "set (INFO reports good replicas), value unknown: the source refuses writes when too few replicas acknowledge in time")
			}
			return steps.WarnCheck(id, title, "unknown (CONFIG GET refused)")
		}
		if c.MinReplicasToWrite == 0 {
			return steps.PassCheck(id, title, "0: the source does not wait for replicas")
		}
		return steps.WarnCheck(id, title, fmt.Sprintf("%d with max lag %d s: the source refuses writes when fewer replicas acknowledged within that lag. Dragonfly acknowledges about once a second, so a max lag under 2 s may not count it; the fence turns the source into a replica anyway",
			c.MinReplicasToWrite, c.MinReplicasMaxLag))
	})
}

// sourceConfigCheck judges the source's configuration as preflight read
// it; until preflight has run, it says so.
func sourceConfigCheck(f steps.Facts, id, title string, judge func(readiness.SourceConfig) steps.Check) steps.Check {
	if f.Preflight == nil {
		return steps.WarnCheck(id, title, "not read yet: run preflight")
	}
	return judge(f.Preflight.Source)
}
