package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
)

// What the source's version allows, said up front (preflight's first
// check after reachability) and followed by the cutover. The facts are
// probe.Capabilities.

// sourceAllowsCheck says what the source's kind and version allow the
// cutover to do, or why it cannot run.
func sourceAllowsCheck(f steps.Facts, o steps.Options) steps.Check {
	const id, title = "source-version", "what the source's version allows"
	s := &f.Snapshot.Source
	caps := s.Capabilities()
	switch {
	case s.Kind == probe.KindDragonfly:
		return steps.PassCheck(id, title, "Dragonfly "+s.Version) // source-kind blocks it
	case !caps.Known && s.Kind == probe.KindRedis:
		return steps.BlockCheck(id, title, caps.Name()+": flyover supports Redis 6.0 and later (CLIENT PAUSE with an expiry, REPLICAOF, ACL)",
			"upgrade the source to Redis 6.0 or later first")
	case !caps.Known:
		return steps.WarnCheck(id, title, "the source did not say its version: the cutover assumes CLIENT PAUSE WRITE and CLIENT UNPAUSE (Redis 6.2+)")
	case caps.PauseWrites:
		return steps.PassCheck(id, title, caps.Name()+": CLIENT PAUSE WRITE (reads go on) and CLIENT UNPAUSE (the pause ends as soon as the cutover does)"+aclMethodNote(caps))
	}
	o = o.WithDefaults()
	if t := &f.Snapshot.Target; t.Reachable && t.DrainWaitsForAck() {
		return steps.BlockCheck(id, title, pauseAllWhat(caps.Name(), o.Cutover.PauseAll)+
			"; that pause holds flyover's reads of the source too, so the drain needs the target's own offset, which "+
			targetName(f.Snapshot.Target)+" does not report as the source's byte offset",
			"upgrade the target to Dragonfly v1.39 or later, or the source to Redis 6.2 or later")
	}
	return steps.WarnCheck(id, title, pauseAllWhat(caps.Name(), o.Cutover.PauseAll)+
		"; while it lasts, min-replicas-to-write is set to the replicas online so that the old primary refuses writes once the target leaves it (put back after)"+
		downAfterNote(f, o.Cutover.PauseAll)+aclMethodNote(caps))
}

// downAfterNote warns when a Sentinel would judge the source down during
// a pause that holds its PINGs too.
func downAfterNote(f steps.Facts, pause time.Duration) string {
	var shortest time.Duration
	for _, v := range f.Snapshot.Sentinels {
		if v.DownAfter > 0 && (shortest == 0 || v.DownAfter < shortest) {
			shortest = v.DownAfter
		}
	}
	if shortest == 0 || shortest > pause {
		return ""
	}
	return fmt.Sprintf("; a Sentinel's down-after-milliseconds (%s) is not longer than the pause: it will see the source as down during it and may start a failover of its own, which the cutover then waits for", shortest)
}

func pauseAllWhat(source string, pause time.Duration) string {
	return fmt.Sprintf("%s has no CLIENT PAUSE WRITE and no CLIENT UNPAUSE: the cutover pauses every client, reads too, for %s, and the pause cannot be lifted early",
		source, pause.Round(time.Millisecond))
}

func aclMethodNote(c probe.Capabilities) string {
	if c.ACLDryRun {
		return ""
	}
	return "; permissions are read with ACL GETUSER (no ACL DRYRUN before 7.0)"
}

func targetName(n probe.Node) string {
	if n.Kind == probe.KindUnknown {
		return "the target"
	}
	return fmt.Sprintf("%s %s", n.Kind, n.Version)
}

// PauseAllWarning is what the cutover's confirmation says before the
// operator types the name, on a source whose pause holds every client
// and cannot be lifted: the figure, and that reads stall too.
func PauseAllWarning(p steps.CutoverPlan) string {
	if !p.PauseAllClients || p.FenceOnly {
		return ""
	}
	return fmt.Sprintf(" %s has no CLIENT PAUSE WRITE and no CLIENT UNPAUSE: EVERY client of the source, reads too, stalls for %s, "+
		"and the pause cannot be lifted early, even if the cutover stops before SENTINEL FAILOVER.", p.Source, p.Pause.Round(time.Millisecond))
}

// PauseAllCommands are the cutover's commands up to SENTINEL FAILOVER on
// such a source (cutover_pause_all.go).
func PauseAllCommands(f steps.Facts, o steps.Options, p steps.CutoverPlan) []steps.Command {
	src := func(note string, args ...string) steps.Command {
		return steps.Command{Endpoint: "source", Addr: f.Topo.Source, Args: args, Note: note}
	}
	online := 0
	for _, l := range f.Snapshot.Source.Replicas {
		if l.State == "online" {
			online++
		}
	}
	ms := strconv.FormatInt(p.Pause.Milliseconds(), 10)
	return []steps.Command{
		src("the replicas online now, and the settings to put back", "INFO", "replication"),
		src("", "CONFIG", "GET", "min-replicas-to-write"),
		src("", "CONFIG", "GET", "min-replicas-max-lag"),
		src("one transaction, with the next three", "MULTI"),
		src(fmt.Sprintf("the replicas online (%d now): once the target leaves, the old primary refuses writes (-NOREPLICAS); put back after the fence, or after the pause on a stop (min-replicas-max-lag set to 10 for the pause if it is 0); if flyover dies first it stays: the audit log has the old value", online),
			"CONFIG", "SET", "min-replicas-to-write", strconv.Itoa(online)),
		src(fmt.Sprintf("EVERY client, reads too, for %s: this version cannot lift it early", p.Pause.Round(time.Millisecond)), "CLIENT", "PAUSE", ms),
		src("the source's offset at the instant the pause began", "INFO", "replication"),
		src("", "EXEC"),
		{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"INFO", "replication"},
			Note: fmt.Sprintf("every %s until its slave_repl_offset reaches the source's; past %s before the pause ends: stop, nothing changed once the pause lifts", o.Cutover.PollEvery, (p.Pause - o.Cutover.PromoteReserve).Round(time.Millisecond))},
	}
}

// sentinelVersionsCheck names the Sentinels' kinds and versions, as read
// by the preflight step. Every Sentinel from Redis 6.0 to 8.x and Valkey
// 7.2 to 8.x, of the source's version or another, ran the whole migration
// here (README: Source and Sentinel versions); an older one warns.
func sentinelVersionsCheck(f steps.Facts) (steps.Check, bool) {
	const id, title = "sentinels-versions", "the Sentinels' versions"
	if f.Preflight == nil || len(f.Preflight.Sentinels) == 0 {
		return steps.Check{}, false
	}
	var parts, old []string
	count := map[string]int{}
	var order []string
	for i, s := range f.Preflight.Sentinels {
		name := s.Name()
		switch {
		case s.Error != "":
			name = "not read (" + s.Error + ")"
		case !probe.CapabilitiesOf(s.Kind, s.Version).Known:
			old = append(old, steps.EndpointLabel(i)+" "+name)
		}
		if count[name] == 0 {
			order = append(order, name)
		}
		count[name]++
	}
	for _, n := range order {
		parts = append(parts, fmt.Sprintf("%s on %d of %d", n, count[n], len(f.Preflight.Sentinels)))
	}
	detail := strings.Join(parts, "; ")
	if len(old) > 0 {
		return steps.WarnCheck(id, title, detail+": flyover was not verified with "+strings.Join(old, ", ")+" (Sentinels from Redis 6.0 were)"), true
	}
	return steps.PassCheck(id, title, detail), true
}
