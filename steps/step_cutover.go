package steps

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"flyover/probe"
	"flyover/steps/auditlog"
)

// Step 6: the guarded cutover (the engine is in cutover.go and failover.go).
var cutoverStep = &Step{
	PointOfNoReturn: true,
	ID:              StepCutover,
	Title:           "Cutover",
	Why: "The documented SENTINEL FAILOVER loses every write the old primary acknowledges before clients learn of the switch. " +
		"The guarded cutover pauses writes on the source (with a hard expiry, so the pause lifts itself even if flyover dies), " +
		"waits until the target has every byte, asks Sentinel to fail over, waits until a majority of Sentinels name the target " +
		"and it reports master, fences the old primary (it becomes a replica of the target and its clients are disconnected so " +
		"they ask Sentinel again), and unpauses. Writes stall for about a second and none is lost.",
	OnFailure: "Before SENTINEL FAILOVER every failure unpauses and leaves the topology as it was: read the message, fix, retry. " +
		"After it, there is no way back by replication (Redis cannot sync from Dragonfly): finish the fence, then verify.",
	deadline: func(f Facts, o Options) time.Duration { return o.Cutover.Pause() },
	pre:      cutoverPre,
	post:     cutoverPost,
	done:     func(f Facts, o Options) bool { return !anyNotPass(cutoverPost(f, o)) },
	commands: func(f Facts, o Options) []Command { return cutoverCommands(f, o) },
	confirm: func(f Facts, o Options) []Confirmation {
		if afterCutover(f) {
			return []Confirmation{{ID: "fence", Kind: ConfirmYesNo, Commands: cutoverCommands(f, o),
				Prompt: "The failover has happened and the old primary still takes writes. Fence it now?"}}
		}
		undo := "any failure unpauses and changes nothing"
		if p := PlanCutover(f, o); p.PauseAllClients {
			undo = "any failure changes nothing once the pause has lifted by itself"
		}
		return []Confirmation{{ID: "cutover", Kind: ConfirmTypeName, Expect: f.Topo.MasterName, Commands: cutoverCommands(f, o),
			Warning: "SENTINEL FAILOVER is the point of no return. Until it is sent, " + undo + ". " +
				"After it, the target is the primary and there is no way back by replication: Redis replicas cannot sync from Dragonfly." +
				pauseAllWarning(PlanCutover(f, o)) + cutoverAckWarning(f),
			WorstCase: CutoverWorstCase(f, o),
			Prompt:    fmt.Sprintf("Type the master name (%s) to run the cutover:", f.Topo.MasterName)}}
	},
	run: runCutover,
}

func cutoverPre(f Facts, o Options) []Check {
	if StageOf(f) == StagePromotedUnannounced {
		return []Check{unannouncedCheck(f)} // stage_unannounced.go
	}
	if afterCutover(f) {
		if TargetNaming(f) == 0 && !f.Snapshot.Target.Reachable {
			return []Check{clears(block("fence-target", "the target answers", f.Snapshot.Target.Error, "the failover is under way: bring the target back"))}
		}
		return nil
	}
	var cs []Check
	first := FirstBlock(Preflight(f, o))
	if first != nil {
		cs = append(cs, *first)
	}
	// Every readiness block, not only the first: each is a reason the
	// application would break after a switch that has no way back.
	if f.Readiness != nil {
		for _, c := range ReadinessChecks(*f.Readiness) {
			if c.Level == Block && (first == nil || c.ID != first.ID) {
				cs = append(cs, c)
			}
		}
	}
	if t := &f.Snapshot.Target; !t.Reachable {
		why := t.Error
		if f.Snapshot.Link.LagKnown {
			why += "; " + lagText(f)
		}
		cs = append(cs, clears(block("cutover-target", "the target answers", why,
			"bring the target back: the cutover needs a target that has every byte and answers")))
		return cs
	}
	if StageOf(f) != StageStreaming {
		cs = append(cs, clears(block("cutover-streaming", "the target streams", "the target is "+string(StageOf(f)), "complete the steps before")))
		return cs
	}
	if !f.Snapshot.Link.InSync {
		cs = append(cs, clears(block("cutover-in-sync", "the target is in sync now", lagText(f), "wait for the steady state")))
	}
	cs = append(cs, asBlocks(registrationChecks(f), "wait for step 5")...)
	cs = append(cs, priorityBlocks(f)...) // only the target can be promoted (step_priority.go)
	if !f.Snapshot.Source.Reachable {
		cs = append(cs, clears(block("cutover-source", "the source is the primary", f.Snapshot.Source.Error,
			fmt.Sprintf("bring the source back; if it stays down, the Sentinels fail over on their own after down-after-milliseconds (%s) "+
				"and promote the best replica: then the plan moves on to verify", downAfter(f)))))
	} else if f.Snapshot.Source.Role != probe.RolePrimary {
		cs = append(cs, block("cutover-source", "the source is the primary", "the source is "+string(f.Snapshot.Source.Role), "see preflight"))
	}
	// The target holds what the source holds: it dropped no replicated
	// command, and the latest sample of keys agrees.
	if c, ok := DivergenceWatch(f); ok && c.Level != Pass {
		cs = append(cs, c)
	}
	if c := sampleCheck(f); c.Level != Pass {
		cs = append(cs, c)
	}
	if anyFailoverInProgress(f) {
		cs = append(cs, clears(block("cutover-no-failover", "no failover is running", "a Sentinel reports a failover in progress",
			"wait for it to end (+failover-end or -failover-abort-*), then review the plan")))
	}
	return cs
}

func cutoverPost(f Facts, o Options) []Check {
	var cs []Check
	n, m := TargetNaming(f), len(f.Snapshot.Sentinels)
	if StageOf(f) == StagePromoted {
		cs = append(cs, pass("cutover-majority", "a majority of Sentinels name the target", fmt.Sprintf("%d of %d", n, m)))
	} else {
		cs = append(cs, warn("cutover-majority", "a majority of Sentinels name the target", fmt.Sprintf("%d of %d", n, m)))
	}
	if f.Snapshot.Target.Reachable && f.Snapshot.Target.Role == probe.RolePrimary {
		cs = append(cs, pass("cutover-target-master", "the target reports role master", ""))
	} else {
		cs = append(cs, warn("cutover-target-master", "the target reports role master", "role "+string(f.Snapshot.Target.Role)))
	}
	if oldPrimaryFenced(f) {
		cs = append(cs, pass("cutover-fenced", "the old primary is fenced", fenceDetail(f)))
	} else {
		cs = append(cs, warn("cutover-fenced", "the old primary is fenced", "it reports role master and takes writes"))
	}
	return cs
}

func fenceDetail(f Facts) string {
	if !f.Snapshot.Source.Reachable {
		return "it does not answer"
	}
	return fmt.Sprintf("it is a replica of %s:%d", f.Snapshot.Source.MasterHost, f.Snapshot.Source.MasterPort)
}

func cutoverCommands(f Facts, o Options) []Command {
	o = o.withDefaults()
	p := PlanCutover(f, o)
	src := func(note string, args ...string) Command {
		return Command{Endpoint: "source", Addr: f.Topo.Source, Args: args, Note: note}
	}
	th, tp, _ := net.SplitHostPort(p.TargetListedAs)
	first := "sentinel-1"
	firstAddr := ""
	if len(p.Sentinels) > 0 {
		first, firstAddr = endpointLabel(p.Sentinels[0]), sentinelAddr(f, p.Sentinels[0])
	}
	var cs []Command
	if !p.FenceOnly && p.PauseAllClients {
		cs = append(cs, pauseAllCommands(f, o, p)...) // versions.go
		cs = append(cs, Command{Endpoint: first, Addr: firstAddr, Args: []string{"SENTINEL", "FAILOVER", p.MasterName},
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
			cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"INFO", "replication"}, Note: "with each of the above"})
		}
		cs = append(cs, Command{Endpoint: first, Addr: firstAddr, Args: []string{"SENTINEL", "FAILOVER", p.MasterName},
			Note: fmt.Sprintf("POINT OF NO RETURN; -NOGOODSLAVE is retried for %s, then CLIENT UNPAUSE and stop", o.Cutover.FailoverBudget)})
	}
	cs = append(cs,
		Command{Endpoint: "sentinel-*", Args: []string{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", p.MasterName},
			Note: fmt.Sprintf("on every Sentinel, until %d name the target", p.Majority)},
		Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"ROLE"}, Note: "until it reports master"},
		src("the old primary becomes a read-only replica of the target", "REPLICAOF", th, tp),
		src("its clients reconnect and ask Sentinel again", "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"),
		src("", "CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes"))
	if p.PauseAllClients {
		cs[len(cs)-3].Note = "once the pause has lifted by itself: " + cs[len(cs)-3].Note
		return append(cs, src("put back as it was", "CONFIG", "SET", "min-replicas-to-write", strconv.FormatInt(f.Snapshot.Source.MinReplicasToWrite, 10)))
	}
	return append(cs, src("paused writes fail with READONLY and are retried on the target", "CLIENT", "UNPAUSE"))
}

func runCutover(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error {
	if !afterCutover(fresh) && len(OtherReplicas(fresh)) == 0 {
		// No other replica: step 6 had nothing to record, and before the
		// switch Sentinel had none to promote but the target. (With
		// others, only step 6 knows what they were before it set 0.)
		r.Session.recordBefore(nil, 0)
	}
	if !afterCutover(fresh) {
		// Before the pause, with reads only: does the application still
		// run only what the target has, and does the target hold what the
		// source holds? What changed since preflight refuses here.
		progress(Progress{Phase: PhaseChecking, Message: "reading readiness again: the commands the application runs, Functions, modules, databases (reads only)", Fraction: -1})
		r.readReadiness(ctx, StepCutover)
		if fresh.Sample == nil {
			r.runSample(ctx, StepCutover, false, func(p Progress) { p.Phase = PhaseChecking; progress(p) })
		}
		var err error
		if fresh, err = r.Recheck(ctx, cutoverPre); err != nil {
			return err
		}
	}
	p := PlanCutover(f, r.Options())
	if fp := PlanCutover(fresh, r.Options()); fp.FenceOnly != p.FenceOnly || fp.TargetListedAs != p.TargetListedAs ||
		fp.PauseAllClients != p.PauseAllClients { // the pause confirmed is the pause sent
		return errors.New("not started, nothing sent: the topology changed since you confirmed: review the step again")
	}
	res, err := r.Cutover(ctx, p, progress)
	r.Session.setCutover(res)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: StepCutover, Data: auditlog.MustJSON(res)}, true)
	return err
}
