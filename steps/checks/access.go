package checks

import (
	"fmt"
	"strings"

	"flyover/probe/access"
	"flyover/steps"
)

// Checks about access: what flyover's users may run on each endpoint, and
// whether the target will be able to authenticate to the source. All pure
// functions of the facts preflight gathered (access.GatherACLs,
// access.GatherReplicationAuth); no password is in the facts.

// aclChecks is one line per endpoint whose permissions preflight read.
// Endpoints that do not answer are left to their reachability line.
func aclChecks(f steps.Facts) []steps.Check {
	if f.Preflight == nil {
		return nil
	}
	// Endpoints where every command is allowed share one line; the
	// others get one each.
	var cs []steps.Check
	var ok []string
	for _, a := range f.Preflight.ACL {
		if !endpointAnswers(f, a.Endpoint) {
			continue
		}
		c := aclCheck(a)
		if c.Level == steps.Pass {
			how := a.Method
			if how == access.ACLNone {
				how = "no ACLs"
			}
			ok = append(ok, fmt.Sprintf("%s as %q (%s)", aclWhere(a), a.User, how))
			continue
		}
		cs = append(cs, c)
	}
	if len(ok) > 0 {
		cs = append([]steps.Check{steps.PassCheck("acl", "flyover's users may run what it sends",
			strings.Join(ok, ", ")+": every command flyover sends there is allowed")}, cs...)
	}
	return cs
}

func endpointAnswers(f steps.Facts, name string) bool {
	s := &f.Snapshot
	switch name {
	case "source":
		return s.Source.Reachable
	case "target":
		return s.Target.Reachable
	case aclReplica:
		return true // not polled: its own ACL line says when it did not answer
	}
	for i, v := range s.Sentinels {
		if steps.EndpointLabel(i) == name {
			return v.Reachable
		}
	}
	return false
}

// aclWhere names the endpoint of a's permissions: "source",
// "sentinel-2", "replica 10.0.0.5:6379".
func aclWhere(a access.ACLFacts) string {
	if a.Endpoint == aclReplica {
		return a.Endpoint + " " + a.Addr
	}
	return a.Endpoint
}

func aclCheck(a access.ACLFacts) steps.Check {
	id := "acl-" + strings.ReplaceAll(aclWhere(a), " ", "-")
	title := fmt.Sprintf("%s: ACL user %q may run what flyover sends", aclWhere(a), a.User)
	if a.Method == access.ACLNone {
		return steps.PassCheck(id, title, "the server has no ACLs: the password gives every command")
	}
	denied, unknown := a.With(access.ACLDenied), a.With(access.ACLUnknown)
	var required, optional []access.ACLCheck
	for _, c := range denied {
		if c.Required {
			required = append(required, c)
		} else {
			optional = append(optional, c)
		}
	}
	how := "checked with " + a.Method
	if a.Method == "" {
		how = "the reads were tried; the rest could not be checked"
	}
	var parts []string
	if len(required) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s: user %q may not run %s (%s)", a.Endpoint, a.Addr, a.User, aclNames(required), how))
	}
	if len(optional) > 0 {
		parts = append(parts, fmt.Sprintf("without %s flyover loses: %s", aclNames(optional), aclFors(optional)))
	}
	if len(unknown) > 0 {
		if a.Method == "" {
			parts = append(parts, fmt.Sprintf("cannot tell whether %q may run %s: %s", a.User, aclNames(unknown), a.Why))
		} else {
			parts = append(parts, fmt.Sprintf("cannot tell for %s (%s)", aclNames(unknown), unknown[0].Reason))
		}
	}
	if len(parts) == 0 {
		return steps.PassCheck(id, title, fmt.Sprintf("all %d commands allowed (%s)", len(a.Checks), how))
	}
	detail := strings.Join(parts, "; ")
	grant := aclGrant(a, denied)
	if len(required) > 0 {
		c := steps.BlockCheck(id, title, detail,
			fmt.Sprintf("as an admin on %s %s, grant them: %s (then ACL SAVE, or CONFIG REWRITE when the users are in the config file), and run preflight again", a.Endpoint, a.Addr, grant))
		c.FixCommands = []steps.Command{aclFixCommand(a, denied)}
		return c
	}
	c := steps.WarnCheck(id, title, detail)
	switch {
	case len(denied) > 0:
		c.Fix = "to have it, grant: " + grant
		c.FixCommands = []steps.Command{aclFixCommand(a, denied)}
	case a.Method == "":
		c.Fix = fmt.Sprintf("grant %q +acl|dryrun so flyover can check, or have an admin run, for each command: ACL DRYRUN %s <command> (for example ACL DRYRUN %s %s)",
			a.User, a.User, a.User, strings.Join(unknown[0].Args, " "))
	}
	return c
}

func aclNames(cs []access.ACLCheck) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Command)
	}
	return strings.Join(out, ", ")
}

func aclFors(cs []access.ACLCheck) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.For)
	}
	return strings.Join(out, "; ")
}

// aclFixCommand is the ACL SETUSER that grants every denied command. It
// carries no password: the user keeps the ones it has.
func aclFixCommand(a access.ACLFacts, denied []access.ACLCheck) steps.Command {
	args := []string{"ACL", "SETUSER", a.User}
	seen := map[string]bool{}
	for _, c := range denied {
		if c.Grant != "" && !seen[c.Grant] {
			seen[c.Grant] = true
			args = append(args, c.Grant)
		}
	}
	return steps.Command{Endpoint: a.Endpoint, Addr: a.Addr, Args: args, Note: "as an admin"}
}

func aclGrant(a access.ACLFacts, denied []access.ACLCheck) string {
	return strings.Join(aclFixCommand(a, denied).Args, " ")
}

// replicationAuthCheck says whether the target, once attached, can
// authenticate to the source. Without it REPLICAOF is accepted and the
// target never syncs: block before attaching.
func replicationAuthCheck(f steps.Facts) (steps.Check, bool) {
	const id, title = "target-masterauth", "the target can authenticate to the source"
	if f.Preflight == nil {
		return steps.Check{}, false
	}
	ra := f.Preflight.Replication
	if ra == nil {
		if f.Preflight.Source.RequiresPassword {
			return masterauthCheck(f), true
		}
		return steps.Check{}, false
	}
	switch ra.Verdict {
	case access.ReplAuthOpen, access.ReplAuthOK:
		return steps.PassCheck(id, title, ra.Detail), true
	case access.ReplAuthMissing, access.ReplAuthRefused:
		c := steps.BlockCheck(id, title, ra.Detail, masterauthFix(f, ra))
		c.FixCommands = masterauthFixCommands(f, ra)
		return c, true
	}
	return steps.WarnCheck(id, title, ra.Detail+": a target that cannot authenticate is accepted by REPLICAOF and never syncs. "+
		"Make sure it has the source's password: Dragonfly --masterauth (and --masteruser), a Redis stand-in CONFIG SET masterauth"), true
}

func masterauthCheck(f steps.Facts) steps.Check {
	const id, title = "target-masterauth", "the target can authenticate to the source"
	t := f.Preflight.Target
	if !t.Has("masterauth") {
		return steps.WarnCheck(id, title, "the source requires a password and the target does not say whether masterauth is set: Dragonfly must be started with --masterauth")
	}
	if t.MasterAuthSet {
		return steps.PassCheck(id, title, "masterauth is set on the target")
	}
	return steps.Check{ID: id, Title: title, Level: steps.Block,
		Detail: "the source requires a password and the target has no masterauth: its sync would fail with NOAUTH",
		Fix:    "set masterauth on the target to the source's password (Dragonfly: --masterauth); flyover does not send passwords for you",
		FixCommands: []steps.Command{{Endpoint: "target", Addr: f.Topo.Target,
			Args: []string{"CONFIG", "SET", "masterauth", steps.Redacted}}}}
}

func masterauthFix(f steps.Facts, ra *access.ReplicationAuth) string {
	fix := "give the target the source's credentials before attaching (Redis stand-in: CONFIG SET masterauth <the source's password>; " +
		"Dragonfly: restart it with --masterauth=<the source's password>)"
	switch {
	case ra.MasterUser != "":
		fix += "; the target authenticates as masteruser " + ra.MasterUser + ": the password must be that user's"
	case flyoverSourceUser(f) != "":
		fix += "; when replicas must authenticate as an ACL user, also set masteruser (CONFIG SET masteruser, Dragonfly --masteruser), " +
			"as a user allowed to replicate (PSYNC, REPLCONF)"
	}
	return fix + "; then run preflight again. flyover does not send passwords for you"
}

// flyoverSourceUser is the ACL user flyover logs in to the source as, ""
// for the default user.
func flyoverSourceUser(f steps.Facts) string {
	for _, a := range f.Preflight.ACL {
		if a.Endpoint == "source" && a.User != "default" {
			return a.User
		}
	}
	return ""
}

func masterauthFixCommands(f steps.Facts, ra *access.ReplicationAuth) []steps.Command {
	return []steps.Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "SET", "masterauth", steps.Redacted},
		Note: "Redis stand-in; Dragonfly: --masterauth"}}
}

// AccessCommands are the reads preflight sends to find out what flyover's
// users may run and whether the target can authenticate to the source.
func AccessCommands(f steps.Facts) []steps.Command {
	user := func(endpoint string) string {
		if f.Preflight != nil {
			for _, a := range f.Preflight.ACL {
				if a.Endpoint == endpoint {
					return a.User
				}
			}
		}
		return "<user>"
	}
	names := func(needs []access.ACLNeed) string {
		var out []string
		for _, n := range needs {
			out = append(out, n.Name())
		}
		return strings.Join(out, ", ")
	}
	note := func(needs []access.ACLNeed) string {
		return "as the user flyover logs in as, for each of " + names(needs) +
			"; if it may not: ACL GETUSER of that user; if not that either, only the reads are tried"
	}
	cs := []steps.Command{
		{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"ACL", "DRYRUN", user("source"), "..."}, Note: note(access.SourceACLNeeds())},
		{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"ACL", "DRYRUN", user("target"), "..."}, Note: note(access.TargetACLNeeds())},
	}
	for i, v := range f.Snapshot.Sentinels {
		cs = append(cs, steps.Command{Endpoint: steps.EndpointLabel(i), Addr: v.Addr, Args: []string{"ACL", "DRYRUN", user(steps.EndpointLabel(i)), "..."},
			Note: note(access.SentinelACLNeeds(f.Topo.MasterName))})
	}
	for _, addr := range steps.OtherReplicas(f) {
		cs = append(cs, steps.Command{Endpoint: aclReplica, Addr: addr, Args: []string{"ACL", "DRYRUN", user("source"), "..."},
			Note: note(access.ReplicaACLNeeds()) + " (as the source's user: flyover reaches the replicas as it reaches the source)"})
	}
	return append(cs,
		steps.Command{Endpoint: access.LabelSourceAnonymous, Addr: f.Topo.Source, Args: []string{"PING"},
			Note: "on a new connection without a password: does a replica need one?"},
		steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "GET", "masteruser"}, Note: "if it does"},
		steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "GET", "masterauth"}, Note: "if it does; the value is never shown"},
		steps.Command{Endpoint: access.LabelSourceAsTarget, Addr: f.Topo.Source, Args: []string{"PING"},
			Note: "on a new connection with the target's masteruser/masterauth: will the source accept the target?"})
}
