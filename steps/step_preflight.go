package steps

import (
	"context"
	"fmt"
	"strings"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/probe/readiness"
	"flyover/steps/auditlog"
)

// Step 1, preflight: every check the plan needs before anything changes; it only reads.
var preflightStep = &Step{
	Watches: true,
	Survey:  true,
	ID:      StepPreflight,
	Title:   "Preflight",
	Why: "Before anything changes, check every endpoint answers, the Sentinels agree on the source and can fail over, " +
		"the target is empty and big enough, and who Sentinel would promote. Preflight only reads: it reads configuration " +
		"the poll does not show (CONFIG GET on the source and the target, DBSIZE), what flyover's users may run on each endpoint " +
		"(ACL DRYRUN, which evaluates a command without running it), and whether the target's masterauth opens the source " +
		"(a PING on a new connection with it), and each Sentinel's version (INFO server). It also reads whether the data will load on Dragonfly and the application will work there: " +
		"the commands the source has served (INFO commandstats) against what the target knows (COMMAND INFO), Functions, modules, databases, " +
		"keyspace notifications, eviction and client-side caching, and, when the application runs scripts, one read-only script on the target. " +
		"A block stops the plan until it is fixed.",
	OnFailure: "Fix what the blocking lines say and run preflight again; nothing has changed.",
	pre:       func(f Facts, o Options) []Check { return Preflight(f, o) },
	post:      func(f Facts, o Options) []Check { return Preflight(f, o) },
	done: func(f Facts, o Options) bool {
		if afterCutover(f) {
			return true
		}
		// Before the attach, the settings preflight reads are needed to
		// judge it; once the target follows the source, what they were
		// for is past, and a restarted flyover must not stop here.
		return (f.Preflight != nil || attached(f)) && !AnyBlock(Preflight(f, o))
	},
	commands: func(f Facts, o Options) []Command {
		var cs []Command
		for _, p := range readiness.PreflightSourceParams {
			cs = append(cs, Command{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"CONFIG", "GET", p}})
		}
		for _, p := range readiness.PreflightTargetParams {
			cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "GET", p}})
		}
		cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"DBSIZE"}})
		cs = append(cs, accessCommands(f)...)
		cs = append(cs, readinessCommands(f)...)
		for i := range f.Snapshot.Sentinels {
			cs = append(cs, Command{Endpoint: endpointLabel(i), Addr: sentinelAddr(f, i), Args: []string{"INFO", "server"}, Note: "its version"})
		}
		return cs
	},
	run: runPreflight,
}

func preflightOrSkip(f Facts, o Options) []Check {
	switch StageOf(f) {
	case StagePromoting, StagePromoted, StagePromotedUnannounced:
		return nil
	}
	return Preflight(f, o)
}

func runPreflight(ctx context.Context, r *Runner, f, _ Facts, a Answers, progress func(Progress)) error {
	progress(Progress{Phase: "reading", Message: "CONFIG GET on the source and the target, DBSIZE on the target", Fraction: -1})
	pf := readiness.GatherPreflight(ctx, r.Doer(), r.Prober.Topo, r.Prober.Source, r.Prober.Target)
	progress(Progress{Phase: "reading access", Message: "whether the target can authenticate to the source, and what flyover's users may run (ACL DRYRUN)", Fraction: -1})
	ra := access.GatherReplicationAuth(ctx, r.Doer(), r.Prober.Source, r.Prober.Target)
	pf.Replication = &ra
	pf.ACL = access.GatherACLs(ctx, r.Doer(), r.Prober.Topo.MasterName, r.Prober.Source, r.Prober.Target, r.Prober.Sentinels)
	var replicaACLs []access.ACLFacts
	pf.ReplicaClients, replicaACLs = r.gatherReplicas(ctx, f) // replicas.go
	pf.Sentinels = probe.GatherSentinelServers(ctx, r.Doer(), r.Prober.Sentinels)
	pf.ACL = append(pf.ACL, replicaACLs...)
	r.Session.SetPreflight(pf)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: StepPreflight, Message: "preflight facts", Data: auditlog.MustJSON(pf)}, false)
	progress(Progress{Phase: "reading readiness", Message: "what the application runs on the source, and whether the target has it (reads only)", Fraction: -1})
	r.readReadiness(ctx, StepPreflight)
	fresh := r.Facts(ctx)
	checks := Preflight(fresh, r.Options())
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: StepPreflight, Message: "preflight checks", Data: auditlog.MustJSON(checks)}, false)
	var blocks []string
	for _, c := range checks {
		if c.Level == Block {
			blocks = append(blocks, c.Title+": "+c.Detail+" (fix: "+c.Fix+")")
		}
	}
	if len(blocks) > 0 {
		return fmt.Errorf("preflight blocks: %s", strings.Join(blocks, "; "))
	}
	progress(Progress{Phase: "done", Message: "no check blocks", Fraction: 1})
	return nil
}
