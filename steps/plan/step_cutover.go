package plan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
)

// Step 6: the guarded cutover (the engine is in cutover.go and failover.go).
var cutoverStep = &steps.Step{
	PointOfNoReturn: true,
	ID:              steps.StepCutover,
	Title:           "Cutover",
	Why: "The documented SENTINEL FAILOVER loses every write the old primary acknowledges before clients learn of the switch. " +
		"The guarded cutover pauses writes on the source (with a hard expiry, so the pause lifts itself even if flyover dies), " +
		"waits until the target has every byte, asks Sentinel to fail over, waits until a majority of Sentinels name the target " +
		"and it reports master, fences the old primary (it becomes a replica of the target and its clients are disconnected so " +
		"they ask Sentinel again), and unpauses. Writes stall for about a second and none is lost.",
	OnFailure: "Before SENTINEL FAILOVER every failure unpauses and leaves the topology as it was: read the message, fix, retry. " +
		"After it, there is no way back by replication (Redis cannot sync from Dragonfly): finish the fence, then verify.",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.Cutover.Pause() },
	PreFn:      cutoverPre,
	PostFn:     cutoverPost,
	DoneFn:     func(f steps.Facts, o steps.Options) bool { return !steps.AnyNotPass(cutoverPost(f, o)) },
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command { return cutoverCommands(f, o) },
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		if steps.AfterCutover(f) {
			return []steps.Confirmation{{ID: "fence", Kind: steps.ConfirmYesNo, Commands: cutoverCommands(f, o),
				Prompt: "The failover has happened and the old primary still takes writes. Fence it now?"}}
		}
		undo := "any failure unpauses and changes nothing"
		if p := steps.PlanCutover(f, o); p.PauseAllClients {
			undo = "any failure changes nothing once the pause has lifted by itself"
		}
		return []steps.Confirmation{{ID: "cutover", Kind: steps.ConfirmTypeName, Expect: f.Topo.MasterName, Commands: cutoverCommands(f, o),
			Warning: "SENTINEL FAILOVER is the point of no return. Until it is sent, " + undo + ". " +
				"After it, the target is the primary and there is no way back by replication: Redis replicas cannot sync from Dragonfly." +
				checks.PauseAllWarning(steps.PlanCutover(f, o)) + checks.CutoverAckWarning(f),
			WorstCase: steps.CutoverWorstCase(f, o),
			Prompt:    fmt.Sprintf("Type the master name (%s) to run the cutover:", f.Topo.MasterName)}}
	},
	RunFn: runCutover,
}

func cutoverPre(f steps.Facts, o steps.Options) []steps.Check {
	if steps.StageOf(f) == steps.StagePromotedUnannounced {
		return []steps.Check{steps.UnannouncedCheck(f)} // stage_unannounced.go
	}
	if steps.AfterCutover(f) {
		if steps.TargetNaming(f) == 0 && !f.Snapshot.Target.Reachable {
			return []steps.Check{steps.Clears(steps.BlockCheck("fence-target", "the target answers", f.Snapshot.Target.Error, "the failover is under way: bring the target back"))}
		}
		return nil
	}
	var cs []steps.Check
	first := steps.FirstBlock(checks.Preflight(f, o))
	if first != nil {
		cs = append(cs, *first)
	}
	// Every readiness block, not only the first: each is a reason the
	// application would break after a switch that has no way back.
	if f.Readiness != nil {
		for _, c := range checks.ReadinessChecks(*f.Readiness) {
			if c.Level == steps.Block && (first == nil || c.ID != first.ID) {
				cs = append(cs, c)
			}
		}
	}
	if t := &f.Snapshot.Target; !t.Reachable {
		why := t.Error
		if f.Snapshot.Link.LagKnown {
			why += "; " + steps.LagText(f)
		}
		cs = append(cs, steps.Clears(steps.BlockCheck("cutover-target", "the target answers", why,
			"bring the target back: the cutover needs a target that has every byte and answers")))
		return cs
	}
	if steps.StageOf(f) != steps.StageStreaming {
		cs = append(cs, steps.Clears(steps.BlockCheck("cutover-streaming", "the target streams", "the target is "+string(steps.StageOf(f)), "complete the steps before")))
		return cs
	}
	if !f.Snapshot.Link.InSync {
		cs = append(cs, steps.Clears(steps.BlockCheck("cutover-in-sync", "the target is in sync now", steps.LagText(f), "wait for the steady state")))
	}
	cs = append(cs, steps.AsBlocks(registrationChecks(f), "wait for step 5")...)
	cs = append(cs, priorityBlocks(f)...) // only the target can be promoted (step_priority.go)
	if !f.Snapshot.Source.Reachable {
		cs = append(cs, steps.Clears(steps.BlockCheck("cutover-source", "the source is the primary", f.Snapshot.Source.Error,
			fmt.Sprintf("bring the source back; if it stays down, the Sentinels fail over on their own after down-after-milliseconds (%s) "+
				"and promote the best replica: then the plan moves on to verify", steps.DownAfter(f)))))
	} else if f.Snapshot.Source.Role != probe.RolePrimary {
		cs = append(cs, steps.BlockCheck("cutover-source", "the source is the primary", "the source is "+string(f.Snapshot.Source.Role), "see preflight"))
	}
	// The target holds what the source holds: it dropped no replicated
	// command, and the latest sample of keys agrees.
	if c, ok := steps.DivergenceWatch(f); ok && c.Level != steps.Pass {
		cs = append(cs, c)
	}
	if c := checks.SampleCheck(f); c.Level != steps.Pass {
		cs = append(cs, c)
	}
	if steps.AnyFailoverInProgress(f) {
		cs = append(cs, steps.Clears(steps.BlockCheck("cutover-no-failover", "no failover is running", "a Sentinel reports a failover in progress",
			"wait for it to end (+failover-end or -failover-abort-*), then review the plan")))
	}
	return cs
}

func cutoverPost(f steps.Facts, o steps.Options) []steps.Check {
	var cs []steps.Check
	n, m := steps.TargetNaming(f), len(f.Snapshot.Sentinels)
	if steps.StageOf(f) == steps.StagePromoted {
		cs = append(cs, steps.PassCheck("cutover-majority", "a majority of Sentinels name the target", fmt.Sprintf("%d of %d", n, m)))
	} else {
		cs = append(cs, steps.WarnCheck("cutover-majority", "a majority of Sentinels name the target", fmt.Sprintf("%d of %d", n, m)))
	}
	if f.Snapshot.Target.Reachable && f.Snapshot.Target.Role == probe.RolePrimary {
		cs = append(cs, steps.PassCheck("cutover-target-master", "the target reports role master", ""))
	} else {
		cs = append(cs, steps.WarnCheck("cutover-target-master", "the target reports role master", "role "+string(f.Snapshot.Target.Role)))
	}
	if steps.OldPrimaryFenced(f) {
		cs = append(cs, steps.PassCheck("cutover-fenced", "the old primary is fenced", fenceDetail(f)))
	} else {
		cs = append(cs, steps.WarnCheck("cutover-fenced", "the old primary is fenced", "it reports role master and takes writes"))
	}
	return cs
}

func fenceDetail(f steps.Facts) string {
	if !f.Snapshot.Source.Reachable {
		return "it does not answer"
	}
	return fmt.Sprintf("it is a replica of %s:%d", f.Snapshot.Source.MasterHost, f.Snapshot.Source.MasterPort)
}

func cutoverCommands(f steps.Facts, o steps.Options) []steps.Command {
	o = o.WithDefaults()
	p := steps.PlanCutover(f, o)
	src := func(note string, args ...string) steps.Command {
		return steps.Command{Endpoint: "source", Addr: f.Topo.Source, Args: args, Note: note}
	}
	th, tp, _ := net.SplitHostPort(p.TargetListedAs)
	first := "sentinel-1"
	firstAddr := ""
	if len(p.Sentinels) > 0 {
		first, firstAddr = steps.EndpointLabel(p.Sentinels[0]), steps.SentinelAddr(f, p.Sentinels[0])
	}
	var cs []steps.Command
	if !p.FenceOnly && p.PauseAllClients {
		cs = append(cs, checks.PauseAllCommands(f, o, p)...) // versions.go
		cs = append(cs, steps.Command{Endpoint: first, Addr: firstAddr, Args: []string{"SENTINEL", "FAILOVER", p.MasterName},
			Note: fmt.Sprintf("POINT OF NO RETURN; sent only while at least %s of the pause is left; -NOGOODSLAVE is retried until then", o.Cutover.PromoteReserve)})
	} else if !p.FenceOnly {
		judged := "the source's slaveN line for the target"
		if p.JudgeByTarget {
			judged = "the target's own slave_repl_offset"
		}
		cs = append(cs,
			src(fmt.Sprintf("hard expiry: the pause lifts by itself after %s even if flyover dies", p.Pause), "CLIENT", "PAUSE", strconv.FormatInt(p.Pause.Milliseconds(), 10), "WRITE"),
			src(fmt.Sprintf("every %s until master_repl_offset equals %s; past %s: CLIENT UNPAUSE and stop, nothing changed", o.Cutover.PollEvery, judged, o.Cutover.DrainTimeout), "INFO", "replication"))
		if p.JudgeByTarget {
			cs = append(cs, steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"INFO", "replication"}, Note: "with each of the above"})
		}
		cs = append(cs, steps.Command{Endpoint: first, Addr: firstAddr, Args: []string{"SENTINEL", "FAILOVER", p.MasterName},
			Note: fmt.Sprintf("POINT OF NO RETURN; -NOGOODSLAVE is retried for %s, then CLIENT UNPAUSE and stop", o.Cutover.FailoverBudget)})
	}
	cs = append(cs,
		steps.Command{Endpoint: "sentinel-*", Args: []string{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", p.MasterName},
			Note: fmt.Sprintf("on every Sentinel, until %d name the target", p.Majority)},
		steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"ROLE"}, Note: "until it reports master"},
		src("the old primary becomes a read-only replica of the target", "REPLICAOF", th, tp),
		src("its clients reconnect and ask Sentinel again", "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"),
		src("", "CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes"))
	if p.PauseAllClients {
		cs[len(cs)-3].Note = "once the pause has lifted by itself: " + cs[len(cs)-3].Note
		return append(cs, src("put back as it was", "CONFIG", "SET", "min-replicas-to-write", strconv.FormatInt(f.Snapshot.Source.MinReplicasToWrite, 10)))
	}
	return append(cs, src("paused writes fail with READONLY and are retried on the target", "CLIENT", "UNPAUSE"))
}

func runCutover(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	if !steps.AfterCutover(fresh) && len(steps.OtherReplicas(fresh)) == 0 {
		// No other replica: step 6 had nothing to record, and before the
		// switch Sentinel had none to promote but the target. (With
		// others, only step 6 knows what they were before it set 0.)
		r.Session.RecordBefore(nil, 0)
	}
	if !steps.AfterCutover(fresh) {
		// Before the pause, with reads only: does the application still
		// run only what the target has, and does the target hold what the
		// source holds? What changed since preflight refuses here.
		progress(steps.Progress{Phase: steps.PhaseChecking, Message: "reading readiness again: the commands the application runs, Functions, modules, databases (reads only)", Fraction: -1})
		checks.ReadReadiness(ctx, r, steps.StepCutover)
		if fresh.Sample == nil {
			checks.RunSample(ctx, r, steps.StepCutover, false, func(p steps.Progress) { p.Phase = steps.PhaseChecking; progress(p) })
		}
		var err error
		if fresh, err = r.Recheck(ctx, cutoverPre); err != nil {
			return err
		}
	}
	p := steps.PlanCutover(f, r.Options())
	if fp := steps.PlanCutover(fresh, r.Options()); fp.FenceOnly != p.FenceOnly || fp.TargetListedAs != p.TargetListedAs ||
		fp.PauseAllClients != p.PauseAllClients { // the pause confirmed is the pause sent
		return errors.New("not started, nothing sent: the topology changed since you confirmed: review the step again")
	}
	res, err := switchover.Cutover(ctx, r, p, progress)
	r.Session.SetCutover(res)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: steps.StepCutover, Data: auditlog.MustJSON(res)}, true)
	return err
}
