package plan

import (
	"context"
	"fmt"
	"strings"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
)

// Step 1, preflight: every check the plan needs before anything changes; it only reads.
var preflightStep = &steps.Step{
	Watches: true,
	Survey:  true,
	ID:      steps.StepPreflight,
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
	PreFn:     func(f steps.Facts, o steps.Options) []steps.Check { return checks.Preflight(f, o) },
	PostFn:    func(f steps.Facts, o steps.Options) []steps.Check { return checks.Preflight(f, o) },
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		if steps.AfterCutover(f) {
			return true
		}
		// Before the attach, the settings preflight reads are needed to
		// judge it; once the target follows the source, what they were
		// for is past, and a restarted flyover must not stop here.
		return (f.Preflight != nil || steps.Attached(f)) && !steps.AnyBlock(checks.Preflight(f, o))
	},
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command {
		var cs []steps.Command
		for _, p := range readiness.PreflightSourceParams {
			cs = append(cs, steps.Command{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"CONFIG", "GET", p}})
		}
		for _, p := range readiness.PreflightTargetParams {
			cs = append(cs, steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "GET", p}})
		}
		cs = append(cs, steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"DBSIZE"}})
		cs = append(cs, checks.AccessCommands(f)...)
		cs = append(cs, checks.ReadinessCommands(f)...)
		for i := range f.Snapshot.Sentinels {
			cs = append(cs, steps.Command{Endpoint: steps.EndpointLabel(i), Addr: steps.SentinelAddr(f, i), Args: []string{"INFO", "server"}, Note: "its version"})
		}
		return cs
	},
	RunFn: runPreflight,
}

func preflightOrSkip(f steps.Facts, o steps.Options) []steps.Check {
	switch steps.StageOf(f) {
	case steps.StagePromoting, steps.StagePromoted, steps.StagePromotedUnannounced:
		return nil
	}
	return checks.Preflight(f, o)
}

func runPreflight(ctx context.Context, r *steps.Runner, f, _ steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	progress(steps.Progress{Phase: "reading", Message: "CONFIG GET on the source and the target, DBSIZE on the target", Fraction: -1})
	pf := readiness.GatherPreflight(ctx, r.Doer(), r.Prober.Topo, r.Prober.Source, r.Prober.Target)
	progress(steps.Progress{Phase: "reading access", Message: "whether the target can authenticate to the source, and what flyover's users may run (ACL DRYRUN)", Fraction: -1})
	ra := access.GatherReplicationAuth(ctx, r.Doer(), r.Prober.Source, r.Prober.Target)
	pf.Replication = &ra
	pf.ACL = access.GatherACLs(ctx, r.Doer(), r.Prober.Topo.MasterName, r.Prober.Source, r.Prober.Target, r.Prober.Sentinels)
	var replicaACLs []access.ACLFacts
	pf.ReplicaClients, replicaACLs = checks.GatherReplicas(ctx, r, f) // replicas.go
	pf.Sentinels = probe.GatherSentinelServers(ctx, r.Doer(), r.Prober.Sentinels)
	pf.ACL = append(pf.ACL, replicaACLs...)
	r.Session.SetPreflight(pf)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: steps.StepPreflight, Message: "preflight facts", Data: auditlog.MustJSON(pf)}, false)
	progress(steps.Progress{Phase: "reading readiness", Message: "what the application runs on the source, and whether the target has it (reads only)", Fraction: -1})
	checks.ReadReadiness(ctx, r, steps.StepPreflight)
	fresh := r.Facts(ctx)
	found := checks.Preflight(fresh, r.Options())
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: steps.StepPreflight, Message: "preflight checks", Data: auditlog.MustJSON(found)}, false)
	var blocks []string
	for _, c := range found {
		if c.Level == steps.Block {
			blocks = append(blocks, c.Title+": "+c.Detail+" (fix: "+c.Fix+")")
		}
	}
	if len(blocks) > 0 {
		return fmt.Errorf("preflight blocks: %s", strings.Join(blocks, "; "))
	}
	progress(steps.Progress{Phase: "done", Message: "no check blocks", Fraction: 1})
	return nil
}
