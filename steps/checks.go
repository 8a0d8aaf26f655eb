package steps

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"flyover/probe"
)

// Level is a check's verdict.
type Level string

const (
	Pass  Level = "pass"
	Warn  Level = "warn"  // proceed, but read why
	Block Level = "block" // the plan stops here until it is fixed
)

// Check is one line of a checklist: what was checked, the verdict, what was
// found (for a warning, why it matters), and for a block, the fix.
type Check struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Level  Level  `json:"level"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
	// FixCommands are commands that would fix it, when flyover can say
	// exactly which (shown to the operator; a step may offer to run them).
	FixCommands []Command `json:"fix_commands,omitempty"`
}

func pass(id, title, detail string) Check {
	return Check{ID: id, Title: title, Level: Pass, Detail: detail}
}
func warn(id, title, detail string) Check {
	return Check{ID: id, Title: title, Level: Warn, Detail: detail}
}
func block(id, title, detail, fix string) Check {
	return Check{ID: id, Title: title, Level: Block, Detail: detail, Fix: fix}
}

// AnyBlock reports whether any check blocks.
func AnyBlock(cs []Check) bool {
	for _, c := range cs {
		if c.Level == Block {
			return true
		}
	}
	return false
}

// FirstBlock returns the first blocking check, or nil.
func FirstBlock(cs []Check) *Check {
	for i := range cs {
		if cs[i].Level == Block {
			return &cs[i]
		}
	}
	return nil
}

// ---- Facts about the topology, all pure ----

// Stage is where the migration stands, read off the live topology.
type Stage string

const (
	StageUnknown   Stage = "unknown"   // the target does not answer: cannot tell
	StageDetached  Stage = "detached"  // the target does not follow the source
	StageSyncing   Stage = "syncing"   // the target follows the source; full sync under way
	StageStreaming Stage = "streaming" // the target follows the source and streams
	StagePromoting Stage = "promoting" // some Sentinels name the target, not yet a majority
	StagePromoted  Stage = "promoted"  // a majority of Sentinels name the target
)

// StageOf derives the stage from the topology alone.
func StageOf(f Facts) Stage {
	s := &f.Snapshot
	if targetIsSource(f) {
		// Every Sentinel "names the target": nothing about the stage can
		// be told, and preflight blocks.
		return StageUnknown
	}
	n := targetNaming(f)
	switch {
	case n >= majority(f):
		return StagePromoted
	case n > 0:
		return StagePromoting
	case s.Target.Reachable && s.Target.Role == probe.RolePrimary && anyFailoverInProgress(f):
		return StagePromoting
	case s.Link.FollowsSource && s.Link.Phase == probe.PhaseOnline:
		return StageStreaming
	case s.Link.FollowsSource:
		return StageSyncing
	case !s.Target.Reachable:
		return StageUnknown
	}
	return StageDetached
}

// majority is how many Sentinels make a majority of those configured.
func majority(f Facts) int { return len(f.Snapshot.Sentinels)/2 + 1 }

func targetNaming(f Facts) int {
	n := 0
	for _, v := range f.Snapshot.Sentinels {
		if v.Reachable && v.Monitors && v.MasterAddr != "" && f.Topo.IsTarget(v.MasterAddr) {
			n++
		}
	}
	return n
}

func anyFailoverInProgress(f Facts) bool {
	for i := range f.Snapshot.Sentinels {
		if f.Snapshot.Sentinels[i].FailoverInProgress() {
			return true
		}
	}
	return false
}

// isSource reports whether addr (as a Sentinel or server lists it) is the
// source: the same address, or one its host name resolves to.
func isSource(f Facts, addr string) bool {
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

// SourceAsSentinelKnowsIt is the source's address as the Sentinels name it:
// what REPLICAOF on the target must use (SPEC: a target pointed at a
// hostname while Sentinel knows an IP is "fixed" by Sentinel later, with a
// full resync). Empty when the Sentinels do not agree on the source.
func SourceAsSentinelKnowsIt(f Facts) string {
	s := &f.Snapshot
	if s.SentinelsAgree && isSource(f, s.AgreedMaster) {
		return s.AgreedMaster
	}
	return ""
}

// targetListedAs is the target's address as the Sentinels list it (which
// is how the source lists it), or "".
func targetListedAs(f Facts) string {
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

// oldPrimaryFenced: the old primary can no longer take writes: it is gone
// or it is a replica.
func oldPrimaryFenced(f Facts) bool {
	return !f.Snapshot.Source.Reachable || f.Snapshot.Source.Role == probe.RoleReplica
}

// OtherReplicas are the source's replicas other than the target, as the
// source and the Sentinels list them, sorted.
func OtherReplicas(f Facts) []string {
	seen := map[string]bool{}
	add := func(addr string) {
		if addr == "" || f.Topo.IsTarget(addr) || isSource(f, addr) {
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
		if !v.Reachable || !v.Monitors || !isSource(f, v.MasterAddr) {
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

// failoverTimeout is the largest failover-timeout the Sentinels report.
func failoverTimeout(f Facts) time.Duration {
	var d time.Duration
	for _, v := range f.Snapshot.Sentinels {
		d = max(d, v.FailoverTimeout)
	}
	return d
}

func endpointLabel(i int) string { return fmt.Sprintf("sentinel-%d", i+1) }

// ---- Preflight ----

// Preflight is SPEC's preflight list, each a line: pass, warn with why, or
// block with the fix. It adapts to the stage: once the target follows the
// source, "the target is empty" no longer applies.
func Preflight(f Facts, o Options) []Check {
	o = o.withDefaults()
	s := &f.Snapshot
	stage := StageOf(f)
	attached := stage == StageSyncing || stage == StageStreaming
	var cs []Check

	// Reachability, auth, kind and version of every endpoint.
	cs = append(cs, nodeCheck("source", "source", s.Source))
	cs = append(cs, nodeCheck("target", "target", s.Target))
	for i, v := range s.Sentinels {
		cs = append(cs, sentinelCheck(i, v, f.Topo.MasterName))
	}
	if c, ok := targetNotSourceCheck(f); ok {
		cs = append(cs, c)
	}
	if s.Source.Reachable {
		switch {
		case s.Source.Kind == probe.KindDragonfly:
			cs = append(cs, block("source-kind", "the source is Redis", "the source is Dragonfly "+s.Source.Version,
				"flyover migrates a Redis primary onto Dragonfly: point --source at the Redis primary"))
		case s.Source.Role != probe.RolePrimary:
			cs = append(cs, block("source-primary", "the source is a primary",
				fmt.Sprintf("the source is a replica of %s:%d", s.Source.MasterHost, s.Source.MasterPort),
				"point --source at the primary the Sentinels name ("+s.AgreedMaster+")"))
		default:
			cs = append(cs, pass("source-primary", "the source is a primary",
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
		cs = append(cs, targetFollowCheck(f, attached))
		cs = append(cs, targetEmptyCheck(f, o, attached))
		if s.Source.Reachable {
			cs = append(cs, targetMemoryCheck(f))
		}
		if c, ok := replicationAuthCheck(f); ok && !attached {
			cs = append(cs, c)
		}
	}
	cs = append(cs, targetAddressCheck(f, attached))
	cs = append(cs, otherReplicasCheck(f))
	cs = append(cs, promotionCheck(f))
	cs = append(cs, persistenceCheck(f))
	cs = append(cs, minReplicasCheck(f))
	if f.Preflight != nil && (len(f.Preflight.Source.Errors) > 0 || len(f.Preflight.Target.Errors) > 0) {
		cs = append(cs, warn("config-read", "configuration read",
			"some settings could not be read, so their checks are incomplete: "+
				strings.Join(append(append([]string(nil), f.Preflight.Source.Errors...), f.Preflight.Target.Errors...), "; ")))
	}
	cs = append(cs, aclChecks(f)...)
	if addr := SourceAsSentinelKnowsIt(f); addr != "" {
		h, p, _ := net.SplitHostPort(addr)
		cs = append(cs, pass("replicaof-address", "the address to use for REPLICAOF",
			fmt.Sprintf("REPLICAOF %s %s: the source as the Sentinels know it", h, p)))
	}
	return cs
}

func nodeCheck(id, name string, n probe.Node) Check {
	title := name + " reachable"
	if !n.Reachable {
		return block(id+"-reachable", title, n.Error, "flyover must reach the "+name+": fix the address, the server or its credentials")
	}
	kind := string(n.Kind)
	if kind == "" {
		kind = "unknown server"
	}
	return pass(id+"-reachable", title, fmt.Sprintf("%s %s, role %s, %s round trip", kind, n.Version, n.Role, n.RTT.Round(10*time.Microsecond)))
}

func sentinelCheck(i int, v probe.SentinelView, master string) Check {
	id, title := endpointLabel(i), endpointLabel(i)+" "+v.Addr
	switch {
	case !v.Reachable:
		return block(id, title, v.Error, "flyover needs every Sentinel: all of them must send clients to the target")
	case !v.Monitors:
		return block(id, title, v.Error, "the master name must be one every Sentinel monitors")
	case !v.QuorumOK:
		return block(id, title, "SENTINEL CKQUORUM "+master+": "+v.QuorumReply,
			"the Sentinels cannot authorize a failover: make sure a majority of them is running and they can reach each other and the source")
	}
	return pass(id, title, fmt.Sprintf("monitors %q at %s, quorum %d, %d other Sentinels, CKQUORUM ok; down-after %s, failover-timeout %s",
		master, v.MasterAddr, v.Quorum, v.NumOtherSentinels, v.DownAfter, v.FailoverTimeout))
}

func targetKindCheck(n probe.Node) Check {
	switch n.Kind {
	case probe.KindDragonfly:
		if note := dragonflyAckNote(n); note != "" {
			return warn("target-kind", "the target is Dragonfly", note)
		}
		return pass("target-kind", "the target is Dragonfly", "Dragonfly "+n.Version)
	case probe.KindUnknown:
		return warn("target-kind", "the target is Dragonfly", "the target did not say what it is (no redis_version or dragonfly_version in INFO)")
	}
	return warn("target-kind", "the target is Dragonfly",
		fmt.Sprintf("the target is %s %s, not Dragonfly (a stand-in?): the steps work the same", n.Kind, n.Version))
}

func sentinelAgreementCheck(f Facts) Check {
	s := &f.Snapshot
	const id, title = "sentinels-name-source", "the Sentinels agree and name the source"
	if len(s.Sentinels) == 0 {
		return block(id, title, "no Sentinels given", "list every Sentinel with --sentinel")
	}
	if !s.SentinelsAgree {
		var names []string
		for i, v := range s.Sentinels {
			if v.Reachable && v.Monitors {
				names = append(names, fmt.Sprintf("%s names %s", endpointLabel(i), v.MasterAddr))
			}
		}
		if len(names) == 0 {
			return block(id, title, "no Sentinel answered for "+f.Topo.MasterName, "see the Sentinel lines above")
		}
		return block(id, title, "the Sentinels disagree: "+strings.Join(names, ", "),
			"wait for them to converge (is a failover running?), or check each one's configuration for "+f.Topo.MasterName)
	}
	if isSource(f, s.AgreedMaster) {
		return pass(id, title, "every Sentinel names "+s.AgreedMaster)
	}
	if f.Topo.IsTarget(s.AgreedMaster) {
		return pass(id, title, "every Sentinel names the target "+s.AgreedMaster+": the cutover is done")
	}
	return block(id, title, fmt.Sprintf("the Sentinels name %s as the primary of %q, not the source %s", s.AgreedMaster, f.Topo.MasterName, f.Topo.Source),
		"point --source at "+s.AgreedMaster+" (or check --master)")
}

func targetFollowCheck(f Facts, attached bool) Check {
	t := &f.Snapshot.Target
	const id, title = "target-not-following", "the target follows no other primary"
	if attached {
		return pass(id, title, "it already follows the source")
	}
	if t.Role == probe.RoleReplica {
		other := fmt.Sprintf("%s:%d", t.MasterHost, t.MasterPort)
		return Check{ID: id, Title: title, Level: Block,
			Detail:      "the target replicates from " + other,
			Fix:         "if " + other + " is not meant to be its primary, detach it: REPLICAOF NO ONE on the target",
			FixCommands: []Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", "NO", "ONE"}}}}
	}
	if t.Role == probe.RolePrimary && len(t.Replicas) > 0 {
		return warn(id, title, fmt.Sprintf("the target is a primary with %d replica(s) of its own: they will resync from the source's data", len(t.Replicas)))
	}
	return pass(id, title, "the target is a primary of its own")
}

func targetKeys(f Facts) int64 {
	n := f.Snapshot.Target.Keys()
	if f.Preflight != nil && f.Preflight.Target.Has("dbsize") {
		n = max(n, f.Preflight.Target.DBSize)
	}
	return n
}

func targetEmptyCheck(f Facts, o Options, attached bool) Check {
	const id, title = "target-empty", "the target is empty"
	if attached {
		return pass(id, title, "it holds the source's data now (it follows the source)")
	}
	n := targetKeys(f)
	if n == 0 {
		return pass(id, title, "no keys")
	}
	detail := fmt.Sprintf("the target holds %d keys: REPLICAOF wipes them", n)
	if o.AllowNonemptyTarget {
		return warn(id, title, detail+" (allowed by --allow-nonempty-target)")
	}
	return block(id, title, detail, "empty the target yourself if its data is not needed, or run flyover with --allow-nonempty-target to let REPLICAOF wipe it")
}

func targetMemoryCheck(f Facts) Check {
	const id, title = "target-memory", "the target's memory limit fits the source's data"
	s, t := &f.Snapshot.Source, &f.Snapshot.Target
	limit := t.MaxMemory
	if f.Preflight != nil && f.Preflight.Target.Has("maxmemory") && f.Preflight.Target.MaxMemory > 0 {
		limit = f.Preflight.Target.MaxMemory
	}
	used := s.UsedMemory
	switch {
	case limit <= 0:
		return pass(id, title, fmt.Sprintf("no limit on the target; the source uses %s", probe.Bytes(used)))
	case limit < used:
		return block(id, title, fmt.Sprintf("target maxmemory %s < source used_memory %s", probe.Bytes(limit), probe.Bytes(used)),
			"raise the target's limit (Dragonfly: --maxmemory; CONFIG SET maxmemory) before attaching")
	case float64(limit) < 1.2*float64(used):
		return warn(id, title, fmt.Sprintf("target maxmemory %s leaves less than 20%% headroom over source used_memory %s", probe.Bytes(limit), probe.Bytes(used)))
	}
	return pass(id, title, fmt.Sprintf("target maxmemory %s, source uses %s", probe.Bytes(limit), probe.Bytes(used)))
}

func masterauthCheck(f Facts) Check {
	const id, title = "target-masterauth", "the target can authenticate to the source"
	t := f.Preflight.Target
	if !t.Has("masterauth") {
		return warn(id, title, "the source requires a password and the target does not say whether masterauth is set: Dragonfly must be started with --masterauth")
	}
	if t.MasterAuthSet {
		return pass(id, title, "masterauth is set on the target")
	}
	return Check{ID: id, Title: title, Level: Block,
		Detail: "the source requires a password and the target has no masterauth: its sync would fail with NOAUTH",
		Fix:    "set masterauth on the target to the source's password (Dragonfly: --masterauth); flyover does not send passwords for you",
		FixCommands: []Command{{Endpoint: "target", Addr: f.Topo.Target,
			Args: []string{"CONFIG", "SET", "masterauth", Redacted}}}}
}

func targetAddressCheck(f Facts, attached bool) Check {
	const id, title = "target-address", "the Sentinels can reach the target as the source lists it"
	if attached {
		if detail, ok := listingProblem(f); ok {
			return block(id, title, detail, listingFix)
		}
		listed := targetListedAs(f)
		if listed == "" {
			return warn(id, title, "the source does not list the target yet")
		}
		var bad []string
		for i, v := range f.Snapshot.Sentinels {
			if r := v.Replica(listed); r != nil && r.Down() {
				bad = append(bad, endpointLabel(i)+" flags it "+strings.Join(r.Flags, ","))
			}
		}
		if len(bad) > 0 {
			return block(id, title, "the source lists the target as "+listed+" and "+strings.Join(bad, "; "),
				"make "+listed+" reachable from the Sentinels, or set replica-announce-ip/port on the target (Dragonfly: --replica_announce_ip, --announce_port)")
		}
		return pass(id, title, "listed as "+listed)
	}
	announce := ""
	if f.Preflight != nil && f.Preflight.Target.AnnounceIP != "" {
		announce = f.Preflight.Target.AnnounceIP
	}
	th, tp, _ := net.SplitHostPort(f.Topo.Target)
	if a := announcedAs(f); a != "" {
		return block(id, title, fmt.Sprintf("the target announces itself as %s (replica-announce-ip/port), not as %s: the source will list it, "+
			"and the Sentinels will connect to it and promote it, at %s, where flyover cannot follow it", a, f.Topo.Target, a),
			"if the Sentinels reach the target at "+a+", run flyover with --target "+a+"; if not, set replica-announce-ip/port on the target "+
				"to an address they reach (Dragonfly: --replica_announce_ip, --announce_port), or unset them")
	}
	if announce != "" {
		return pass(id, title, fmt.Sprintf("the target announces %s: the source will list it as %s:%s and the Sentinels will connect there", announce, announce, tp))
	}
	if isLoopback(th) {
		for i, v := range f.Snapshot.Sentinels {
			if h, _, err := net.SplitHostPort(v.Addr); err == nil && !isLoopback(h) {
				return warn(id, title, fmt.Sprintf("the target is addressed as %s but %s is at %s: the source lists a replica by the IP it connects from, and the Sentinels must reach that IP on port %s (set replica-announce-ip on the target if they cannot)", th, endpointLabel(i), v.Addr, tp))
			}
		}
	}
	return pass(id, title, "the source will list the target by the IP it connects from, port "+tp+"; step 5 checks that every Sentinel reaches it")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func otherReplicasCheck(f Facts) Check {
	const id, title = "other-replicas", "other replicas of the source"
	others := OtherReplicas(f)
	if len(others) == 0 {
		return pass(id, title, "none: Sentinel switches as soon as the target is promoted")
	}
	return warn(id, title, fmt.Sprintf("%s: after the cutover Sentinel tells them to follow Dragonfly, which Redis replicas can never sync from, so +switch-master waits the whole failover-timeout (%s); they also compete with the target for promotion (step 5 checks who wins)",
		strings.Join(others, ", "), failoverTimeout(f)))
}

func promotionCheck(f Facts) Check {
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
			picks = append(picks, endpointLabel(i)+": the target")
		case v.WouldPromote != "":
			allTarget, other = false, true
			picks = append(picks, endpointLabel(i)+": "+v.WouldPromote)
		default:
			allTarget = false
			picks = append(picks, endpointLabel(i)+": none")
		}
	}
	if len(picks) == 0 {
		return warn(id, title, "no Sentinel answered")
	}
	detail := strings.Join(picks, "; ")
	switch {
	case allTarget:
		return pass(id, title, "every Sentinel would promote the target")
	case other:
		return warn(id, title, detail+": the target must outrank it before the cutover; step 5 shows the priority fix")
	case !anyKnows:
		return pass(id, title, detail+" (the target is not registered with Sentinel yet; step 5 waits for it)")
	}
	return pass(id, title, detail+" (Sentinel has not rated the target yet; step 5 waits for it)")
}

func persistenceCheck(f Facts) Check {
	const id, title = "source-persistence", "persistence on the source"
	if f.Preflight == nil {
		return warn(id, title, "not read yet: run preflight")
	}
	c := f.Preflight.Source
	if !c.Has("save") && !c.Has("appendonly") {
		return warn(id, title, "unknown (CONFIG GET refused): a full sync forks the source; make sure it has memory headroom for copy-on-write")
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
		return warn(id, title, detail+"; repl-diskless-sync no: the full sync forks the source and writes an RDB to its disk before sending it (disk space, time)")
	}
	if c.Has("repl-diskless-sync-delay") && c.DisklessSyncDelay > 0 {
		detail += fmt.Sprintf("; the full sync starts %d s after REPLICAOF (repl-diskless-sync-delay)", c.DisklessSyncDelay)
	}
	return pass(id, title, detail+"; a full sync forks the source: leave memory headroom for copy-on-write")
}

func minReplicasCheck(f Facts) Check {
	const id, title = "source-min-replicas", "min-replicas-to-write on the source"
	if f.Preflight == nil {
		return warn(id, title, "not read yet: run preflight")
	}
	c := f.Preflight.Source
	if !c.Has("min-replicas-to-write") {
		if f.Snapshot.Source.MinReplicasToWrite > 0 {
			return warn(id, title, "set (INFO reports good replicas), value unknown: the source refuses writes when too few replicas acknowledge in time")
		}
		return warn(id, title, "unknown (CONFIG GET refused)")
	}
	if c.MinReplicasToWrite == 0 {
		return pass(id, title, "0: the source does not wait for replicas")
	}
	return warn(id, title, fmt.Sprintf("%d with max lag %d s: the source refuses writes when fewer replicas acknowledged within that lag. Dragonfly acknowledges about once a second, so a max lag under 2 s may not count it; the fence turns the source into a replica anyway",
		c.MinReplicasToWrite, c.MinReplicasMaxLag))
}
