package checks

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/auditlog"
)

// Readiness: before the point of no return, will the data load on
// Dragonfly and will the application work there? Every check is a pure
// function of readiness.ReadinessFacts (readiness.ReadReadiness reads them); the
// facts about Dragonfly are DRAGONFLY.md's.

// ReadinessChecks judges the readiness facts: the application's commands,
// Lua, Functions, modules, databases, the source's version, keyspace
// notifications, eviction and client-side caching. Each is a line: pass,
// WarnCheck with why, or block with the fix.
func ReadinessChecks(rf readiness.ReadinessFacts) []steps.Check {
	s, t := &rf.Source, &rf.Target
	var cs []steps.Check
	if !s.Reachable {
		cs = append(cs, steps.Clears(steps.BlockCheck("ready-source", "readiness: the source answers", s.Error,
			"flyover must read the source's command statistics and configuration: fix the address, the server or its credentials")))
	}
	if !t.Reachable {
		cs = append(cs, steps.Clears(steps.BlockCheck("ready-target", "readiness: the target answers", t.Error,
			"flyover must ask the target what it supports: fix the address, the server or its credentials")))
	}
	if len(cs) > 0 {
		return cs
	}
	cs = append(cs,
		commandsCheck(rf),
		hashFieldTTLCheck(rf),
		luaCheck(rf),
		functionsCheck(rf),
		modulesCheck(rf),
		databasesCheck(rf),
		sourceVersionCheck(rf),
		notificationsCheck(rf),
		evictionCheck(rf),
		trackingCheck(rf),
	)
	if errs := append(append([]string(nil), s.Errors...), t.Errors...); len(errs) > 0 {
		cs = append(cs, steps.WarnCheck("ready-reads", "readiness reads",
			"some reads failed, so the checks above that need them are incomplete: "+strings.Join(errs, "; ")))
	}
	return cs
}

// callsSpan says what commandstats cover.
func callsSpan(s *readiness.SourceReadiness) string {
	return fmt.Sprintf("calls counted since the source started (%s ago) or its last CONFIG RESETSTAT, if later",
		(time.Duration(s.UptimeSeconds) * time.Second).String())
}

// dragonflyGap is what Dragonfly lacks although COMMAND may list it, or
// does not list at all (DRAGONFLY.md): "" when nothing is known against
// name (lower case, "client|no-evict" for subcommands).
func dragonflyGap(name, version string) string {
	top, sub, _ := strings.Cut(name, "|")
	switch top {
	case "function":
		if sub != "flush" {
			return "FUNCTION is a stub on Dragonfly that accepts only FLUSH"
		}
	case "fcall", "fcall_ro", "object", "lcs", "swapdb", "migrate", "waitaof":
		return "Dragonfly does not have " + strings.ToUpper(top)
	case "wait":
		if version == "" || !probe.VersionAtLeast(version, 1, 40) {
			return "Dragonfly has WAIT from v1.40 only"
		}
	case "client":
		switch sub {
		case "no-evict", "no-touch", "reply", "unblock", "getredir":
			return "Dragonfly does not support CLIENT " + strings.ToUpper(sub)
		}
	}
	return ""
}

// hashFieldTTL are the commands that give hash fields a TTL: an RDB with
// such hashes does not load on Dragonfly (dragonfly#8253).
var hashFieldTTL = []string{"hexpire", "hpexpire", "hexpireat", "hpexpireat", "hsetex", "hgetex"}

func commandsCheck(rf readiness.ReadinessFacts) steps.Check {
	s, t := &rf.Source, &rf.Target
	const id, title = "ready-commands", "the target knows the application's commands"
	if s.Calls == nil {
		return steps.WarnCheck(id, title, "the source's INFO commandstats could not be read: which commands the application uses is unknown")
	}
	app := readiness.ApplicationCommands(s.Calls)
	type miss struct {
		name  string
		calls int64
		why   string
	}
	var unknown, gaps []miss
	var unasked []string
	for name, n := range app {
		top, _, _ := strings.Cut(name, "|")
		if slices.Contains(hashFieldTTL, top) {
			continue // hashFieldTTLCheck's
		}
		known, asked := t.Commands[top]
		switch {
		case !asked:
			unasked = append(unasked, strings.ToUpper(top))
		case !known:
			unknown = append(unknown, miss{name, n, "the target does not know " + strings.ToUpper(top)})
		default:
			if why := dragonflyGap(name, versionIfDragonfly(t)); why != "" {
				gaps = append(gaps, miss{name, n, why})
			}
		}
	}
	order := func(ms []miss) []string {
		sort.Slice(ms, func(i, j int) bool {
			if ms[i].calls != ms[j].calls {
				return ms[i].calls > ms[j].calls
			}
			return ms[i].name < ms[j].name
		})
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = fmt.Sprintf("the application called %s %s times; %s", displayName(m.name), probe.Thousands(m.calls), m.why)
		}
		return out
	}
	span := callsSpan(s)
	dragonfly := t.Kind == probe.KindDragonfly
	var lines []string
	lines = append(lines, order(unknown)...)
	if dragonfly || t.Kind == probe.KindUnknown {
		lines = append(lines, order(gaps)...)
	}
	if len(lines) > 0 {
		c := steps.BlockCheck(id, title, strings.Join(lines, "; ")+" ("+span+")",
			"change the application so it no longer sends these commands, and check again after CONFIG RESETSTAT on the source; after the switch there is no way back to Redis by replication")
		return c
	}
	if len(gaps) > 0 {
		return steps.WarnCheck(id, title, fmt.Sprintf("this target (%s %s) is a stand-in and knows every command, but a Dragonfly target would not run these: %s (%s)",
			t.Kind, t.Version, strings.Join(order(gaps), "; "), span))
	}
	if len(unasked) > 0 {
		sort.Strings(unasked)
		return steps.WarnCheck(id, title, "the target was not asked about "+strings.Join(unasked, ", ")+" (COMMAND INFO failed): see the read errors")
	}
	return steps.PassCheck(id, title, fmt.Sprintf("%d commands the application used, each known to the target (%s)", len(app), span))
}

func versionIfDragonfly(t *readiness.TargetReadiness) string {
	if t.Kind == probe.KindDragonfly {
		return t.Version
	}
	return ""
}

// displayName is "OBJECT" or "CLIENT NO-EVICT".
func displayName(name string) string { return strings.ToUpper(strings.ReplaceAll(name, "|", " ")) }

func hashFieldTTLCheck(rf readiness.ReadinessFacts) steps.Check {
	s := &rf.Source
	const id, title = "ready-hash-field-ttl", "no hash fields with a TTL"
	var used []string
	for _, c := range hashFieldTTL {
		if n := s.Calls[c]; n > 0 {
			used = append(used, fmt.Sprintf("%s %s times", strings.ToUpper(c), probe.Thousands(n)))
		}
	}
	if len(used) == 0 {
		return steps.PassCheck(id, title, "the application set no hash-field TTL (HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HSETEX, HGETEX: no calls)")
	}
	return steps.BlockCheck(id, title, "the application called "+strings.Join(used, ", ")+" ("+callsSpan(s)+
		"): Dragonfly cannot load hashes whose fields have a TTL from the full sync (dragonfly#8253)",
		"remove the field TTLs (HPERSIST) and stop the application setting them, then CONFIG RESETSTAT on the source and check again")
}

func luaCheck(rf readiness.ReadinessFacts) steps.Check {
	s, t := &rf.Source, &rf.Target
	const id, title = "ready-lua", "Lua scripts may touch undeclared keys"
	n := readiness.ScriptCalls(s.Calls)
	if n == 0 {
		return steps.PassCheck(id, title, "the application ran no Lua scripts (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO: no calls)")
	}
	ran := fmt.Sprintf("the application ran scripts %s times (%s)", probe.Thousands(n), callsSpan(s))
	const fix = "start Dragonfly with --default_lua_flags=allow-undeclared-keys, or begin each script that touches keys it does not pass in KEYS with the line --!df flags=allow-undeclared-keys"
	switch {
	case !t.Lua.Ran:
		return steps.WarnCheck(id, title, ran+"; the target could not be asked whether scripts may touch keys they do not declare")
	case t.Lua.UndeclaredRefused:
		c := steps.WarnCheck(id, title, ran+"; the target refuses a script that touches a key it did not declare ("+t.Lua.Error+
			"): every such script of the application will fail after the switch. Scripts that pass all their keys in KEYS are not affected; job queues often do not")
		c.Fix = fix
		return c
	case t.Lua.Error != "":
		return steps.WarnCheck(id, title, ran+"; the target's answer to the probe script was unexpected: "+t.Lua.Error)
	}
	return steps.PassCheck(id, title, ran+"; the target runs a script that reads a key it did not declare")
}

func functionsCheck(rf readiness.ReadinessFacts) steps.Check {
	s := &rf.Source
	const id, title = "ready-functions", "no Redis Functions on the source"
	switch {
	case s.Kind != probe.KindUnknown && !probe.CapabilitiesOf(s.Kind, s.Version).Functions:
		return steps.PassCheck(id, title, probe.CapabilitiesOf(s.Kind, s.Version).Name()+" has no Functions")
	case !s.LibrariesKnown:
		return steps.WarnCheck(id, title, "FUNCTION LIST could not be read on the source: whether Functions are loaded is unknown, and a source with Functions fails the full sync")
	case len(s.Libraries) == 0:
		return steps.PassCheck(id, title, "FUNCTION LIST is empty")
	}
	var libs []string
	for _, l := range s.Libraries {
		libs = append(libs, fmt.Sprintf("%s (%d functions)", l.Name, len(l.Functions)))
	}
	return steps.BlockCheck(id, title, "the source has Functions loaded: "+strings.Join(libs, ", ")+
		". Dragonfly cannot load them from the full sync (\"Unrecognized rdb object type\") and has no FCALL",
		"move these functions into the application as EVAL scripts, then remove them from the source (FUNCTION DELETE <library>)")
}

func modulesCheck(rf readiness.ReadinessFacts) steps.Check {
	s := &rf.Source
	const id, title = "ready-modules", "no module data on the source"
	if !s.ModulesKnown {
		return steps.WarnCheck(id, title, "MODULE LIST could not be read on the source: whether modules hold data is unknown")
	}
	var other, json []string
	for _, m := range s.Modules {
		if strings.EqualFold(m.Name, "ReJSON") {
			json = append(json, m.Name)
		} else {
			other = append(other, m.Name)
		}
	}
	if len(other) > 0 {
		return steps.BlockCheck(id, title, "the source runs modules "+strings.Join(other, ", ")+
			": Dragonfly cannot load their data types from the full sync; up to v1.39 the load stops there and every later key is lost, from v1.40 those keys are skipped",
			"move the data of these modules off the source (or out of the migration) and unload them; ReJSON is the one module whose data Dragonfly loads")
	}
	if len(json) > 0 {
		return steps.WarnCheck(id, title, "the source runs ReJSON: Dragonfly loads its data, but check that the JSON commands the application uses exist in Dragonfly")
	}
	return steps.PassCheck(id, title, "no modules loaded")
}

func databasesCheck(rf readiness.ReadinessFacts) steps.Check {
	s, t := &rf.Source, &rf.Target
	const id, title = "ready-databases", "the target has the source's databases"
	highest := -1
	for db, k := range s.Keyspace {
		if k.Keys > 0 && db > highest {
			highest = db
		}
	}
	switch {
	case highest < 0:
		return steps.PassCheck(id, title, "the source has no keys")
	case !t.DatabasesKnown:
		return steps.WarnCheck(id, title, fmt.Sprintf("the source has keys up to db%d; the target did not say how many databases it has (CONFIG GET databases answered nothing)", highest))
	case int64(highest) >= t.Databases:
		return steps.BlockCheck(id, title, fmt.Sprintf("the source has keys in db%d; the target has %d databases (db0-db%d): the full sync stops at SELECT %d",
			highest, t.Databases, t.Databases-1, highest),
			fmt.Sprintf("restart the target with at least %d databases (Dragonfly: --dbnum=%d), or move those keys to a lower database on the source", highest+1, highest+1))
	}
	return steps.PassCheck(id, title, fmt.Sprintf("keys up to db%d; the target has %d databases", highest, t.Databases))
}

func sourceVersionCheck(rf readiness.ReadinessFacts) steps.Check {
	s := &rf.Source
	const id, title = "ready-source-version", "Dragonfly can load the source's RDB"
	if s.Kind != probe.KindRedis {
		return steps.PassCheck(id, title, fmt.Sprintf("the source is %s %s", s.Kind, s.Version))
	}
	switch {
	case probe.VersionAtLeast(s.Version, 9, 0) || probe.VersionAtLeast(s.Version, 8, 10):
		return steps.BlockCheck(id, title, "Redis "+s.Version+" writes RDB 15 or later; Dragonfly accepts RDB 5 to 12 and its full sync from Redis 8.10 loops forever (dragonfly#8361)",
			"migrate from a Redis that writes an RDB Dragonfly reads (7.x), or wait for dragonfly#8361")
	case probe.VersionAtLeast(s.Version, 8, 0):
		return steps.WarnCheck(id, title, "Redis "+s.Version+": Dragonfly accepts RDB versions 5 to 12 and Redis 8 is newer than what it was verified with: attach a throwaway Dragonfly first and watch its log for the full sync")
	}
	return steps.PassCheck(id, title, "Redis "+s.Version)
}

// keyspaceEventsBeyondExpired is what of a notify-keyspace-events value
// Dragonfly does not send: it sends expired events on the keyevent
// channel only ("Ex", v1.20+).
func keyspaceEventsBeyondExpired(flags string) string {
	var out strings.Builder
	for _, r := range flags {
		if r != 'E' && r != 'x' {
			out.WriteRune(r)
		}
	}
	return out.String()
}

func notificationsCheck(rf readiness.ReadinessFacts) steps.Check {
	s, t := &rf.Source, &rf.Target
	const id, title = "ready-notifications", "keyspace notifications"
	if !s.NotifyKnown {
		return steps.WarnCheck(id, title, "the source's notify-keyspace-events could not be read")
	}
	flags := s.NotifyKeyspaceEvents
	if flags == "" {
		return steps.PassCheck(id, title, "off on the source")
	}
	listeners := ""
	if len(s.KeyspaceChannels) > 0 {
		listeners = "subscribers on " + strings.Join(s.KeyspaceChannels, ", ")
	}
	patterns := ""
	if s.PatternSubscribers > 0 {
		patterns = fmt.Sprintf("%d pattern subscription(s) (PUBSUB cannot tell whether they cover __key*)", s.PatternSubscribers)
	}
	const fix = "move these consumers off keyspace notifications: Dragonfly sends only expired events (v1.20+, start it with --notify_keyspace_events=Ex)"
	if beyond := keyspaceEventsBeyondExpired(flags); beyond != "" {
		what := fmt.Sprintf("the source sends keyspace notifications %q; Dragonfly sends only expired events (Ex), so %q stop at the switch", flags, beyond)
		switch {
		case listeners != "":
			return steps.BlockCheck(id, title, what+"; "+listeners+" now", fix)
		case patterns != "":
			return steps.WarnCheck(id, title, what+"; "+patterns)
		}
		return steps.WarnCheck(id, title, what+"; nobody listens now, but a consumer that connects later would hear nothing")
	}
	// Expired events only: Dragonfly sends them when told to.
	if t.NotifyKnown && strings.ContainsRune(t.NotifyKeyspaceEvents, 'x') && strings.ContainsRune(t.NotifyKeyspaceEvents, 'E') {
		return steps.PassCheck(id, title, fmt.Sprintf("the source sends %q and the target is set to %q", flags, t.NotifyKeyspaceEvents))
	}
	what := fmt.Sprintf("the source sends expired events (%q); the target is not set to send them (%q)", flags, t.NotifyKeyspaceEvents)
	if listeners != "" {
		return steps.BlockCheck(id, title, what+"; "+listeners+" now", "start Dragonfly with --notify_keyspace_events=Ex")
	}
	c := steps.WarnCheck(id, title, what)
	c.Fix = "start Dragonfly with --notify_keyspace_events=Ex"
	return c
}

func evictionCheck(rf readiness.ReadinessFacts) steps.Check {
	s, t := &rf.Source, &rf.Target
	const id, title = "ready-eviction", "eviction"
	switch {
	case !s.PolicyKnown:
		return steps.WarnCheck(id, title, "the source's maxmemory-policy could not be read")
	case s.MaxMemoryPolicy == "noeviction" || s.MaxMemory == 0:
		return steps.PassCheck(id, title, fmt.Sprintf("the source does not evict (maxmemory-policy %s, maxmemory %d)", s.MaxMemoryPolicy, s.MaxMemory))
	}
	evicts := fmt.Sprintf("the source evicts keys (maxmemory-policy %s)", s.MaxMemoryPolicy)
	if t.CacheModeKnown {
		if strings.HasPrefix(s.MaxMemoryPolicy, "volatile-") {
			return steps.WarnCheck(id, title, evicts+": Dragonfly has no equivalent, it evicts any key in cache mode or none (cache_mode "+onOff(t.CacheMode)+")")
		}
		if !t.CacheMode {
			c := steps.WarnCheck(id, title, evicts+"; the target does not (cache_mode off): once it is full, writes fail with OOM")
			c.Fix = "start Dragonfly with --cache_mode=true"
			return c
		}
		return steps.PassCheck(id, title, evicts+"; the target runs in cache mode")
	}
	if t.PolicyKnown && t.MaxMemoryPolicy != s.MaxMemoryPolicy {
		return steps.WarnCheck(id, title, fmt.Sprintf("%s; the target's is %s", evicts, t.MaxMemoryPolicy))
	}
	return steps.PassCheck(id, title, evicts+"; the target's policy is the same")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func trackingCheck(rf readiness.ReadinessFacts) steps.Check {
	s := &rf.Source
	const id, title = "ready-tracking", "client-side caching"
	switch {
	case !s.TrackingKnown:
		return steps.PassCheck(id, title, "the source does not report tracking_clients (no client-side caching before Redis 6)")
	case s.TrackingClients == 0:
		return steps.PassCheck(id, title, "no client tracks keys (tracking_clients 0)")
	}
	return steps.WarnCheck(id, title, fmt.Sprintf("%d client(s) use client-side caching (CLIENT TRACKING): Dragonfly supports it over RESP3 only and refuses BCAST, PREFIX and REDIRECT, so such clients would keep stale values", s.TrackingClients))
}

// ReadReadiness reads the readiness facts through the audited path (reads
// only), records them in the session and, as one entry, in the audit log.
func ReadReadiness(ctx context.Context, r *steps.Runner, step steps.StepID) readiness.ReadinessFacts {
	rf := readiness.ReadReadiness(ctx, r.Doer(), r.Prober.Source, r.Prober.Target)
	r.Session.SetReadiness(rf)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: step, Message: "readiness facts", Data: auditlog.MustJSON(rf)}, false)
	return rf
}

// ReadinessCommands are the readiness reads, as the preflight step shows
// them.
func ReadinessCommands(f steps.Facts) []steps.Command {
	src := func(note string, args ...string) steps.Command {
		return steps.Command{Endpoint: "source", Addr: f.Topo.Source, Args: args, Note: note}
	}
	tgt := func(note string, args ...string) steps.Command {
		return steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: args, Note: note}
	}
	return []steps.Command{
		src("the commands the application has run; then INFO server, keyspace, clients", "INFO", "commandstats"),
		src("", "FUNCTION", "LIST"),
		src("", "MODULE", "LIST"),
		src("and maxmemory-policy, maxmemory", "CONFIG", "GET", "notify-keyspace-events"),
		src("and PUBSUB CHANNELS __key*", "PUBSUB", "NUMPAT"),
		tgt("and INFO commandstats, errorstats, memory; CONFIG GET databases, notify-keyspace-events, maxmemory-policy", "INFO", "server"),
		tgt("once for each command the application runs", "COMMAND", "INFO", "<command>"),
		tgt("only when the application runs scripts: reads one key it does not declare", "EVAL", probe.LuaProbeScript, "0"),
	}
}
