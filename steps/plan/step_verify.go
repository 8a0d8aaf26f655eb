package plan

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
)

// Step 8: clients reach the target through Sentinel.
var verifyStep = &steps.Step{
	ReadsBackWrites: true,
	ID:              steps.StepVerify,
	Title:           "Verify",
	Why: "Clients reach the primary through Sentinel, so check what they will see: every Sentinel names the target, the target " +
		"is master and takes a write sent to the address Sentinel gives, and Sentinel has finished the failover (+switch-master). " +
		"It also compares a sample of keys of the old primary, whose data stopped at the cutover, with the new primary (reads only). " +
		"With other replicas, Sentinel finishes only at failover-timeout, since they never sync from Dragonfly: flyover counts down, " +
		"and offers to shut them down, which ends it down-after-milliseconds later.",
	OnFailure: "If a Sentinel still names the old primary, check it can reach the others (SENTINEL CKQUORUM); if the write fails, " +
		"read the error: the target must accept writes as a primary.",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return steps.FailoverTimeout(f) + 10*time.Second },
	PreFn:      verifyPre,
	PostFn:     verifyChecks,
	DoneFn:     func(f steps.Facts, o steps.Options) bool { return !steps.AnyNotPass(verifyChecks(f, o)) },
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command { return verifyCommands(f) },
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		cs := []steps.Confirmation{{ID: "verify", Kind: steps.ConfirmYesNo, Commands: verifyCommands(f),
			Prompt: "Write one test key (60 s TTL) to the primary Sentinel names?"}}
		for _, n := range switchover.ReplicasHoldingTheFailover(f, o) {
			cs = append(cs, steps.Confirmation{ID: checks.ShutdownID(n), Kind: steps.ConfirmYesNo, Optional: true, Commands: []steps.Command{shutdownCommand(n)},
				Prompt: "Shut the old Redis replica " + n.Addr + " down now? It never syncs from Dragonfly, and Sentinel's leader stays in its " +
					"failover until it is down (then " + fmt.Sprintf("%g s", steps.DownAfter(f).Seconds()) + ") or failover-timeout passes; nothing else is reset before. " +
					"(n waits for failover-timeout)"})
		}
		for _, r := range switchover.StuckSentinelRepairs(f) {
			cs = append(cs, steps.Confirmation{ID: switchover.RepairID(r.Label), Kind: steps.ConfirmYesNo, Optional: true, Commands: r.Commands,
				Prompt: "Repair " + r.Label + "? It names " + switchover.SentinelRecord(f, r.Index) + " with no failover and the same config epoch as the " +
					"others, so it never converges by itself; it forgets that record and monitors the target as the others do. (n leaves it to you)"})
		}
		return cs
	},
	RunFn: runVerify,
}

func verifyPre(f steps.Facts, o steps.Options) []steps.Check {
	if steps.StageOf(f) != steps.StagePromoted {
		return []steps.Check{steps.BlockCheck("verify-promoted", "a majority of Sentinels name the target", string(steps.StageOf(f)), "run the cutover")}
	}
	if !steps.OldPrimaryFenced(f) {
		return []steps.Check{steps.BlockCheck("verify-fenced", "the old primary is fenced", "it still takes writes", "fence it (cutover step)")}
	}
	return nil
}

func verifyChecks(f steps.Facts, o steps.Options) []steps.Check {
	s := &f.Snapshot
	var cs []steps.Check
	n, m := switchover.SentinelsSwitched(f), len(s.Sentinels)
	switches := switchover.SentinelSwitches(f)
	if n == m {
		cs = append(cs, steps.PassCheck("verify-all-sentinels", "every Sentinel names the target", fmt.Sprintf("%d of %d, each by its own record", n, m)))
	} else {
		var pending []string
		for _, sw := range switches {
			if sw.State != switchover.SwitchDone {
				pending = append(pending, sw.Describe(f))
			}
		}
		detail := fmt.Sprintf("%d of %d switched: %s", n, m, strings.Join(pending, "; "))
		c := steps.WarnCheck("verify-all-sentinels", "every Sentinel names the target", detail)
		if repairs := switchover.StuckSentinelRepairs(f); len(repairs) > 0 {
			c = steps.BlockCheck("verify-all-sentinels", "every Sentinel names the target", detail,
				"repair it: SENTINEL REMOVE, then SENTINEL MONITOR the target and SENTINEL SET its settings again (this step offers it)")
			for _, r := range repairs {
				c.FixCommands = append(c.FixCommands, r.Commands...)
			}
		}
		cs = append(cs, c)
	}
	if s.Target.Reachable && s.Target.Role == probe.RolePrimary {
		cs = append(cs, steps.PassCheck("verify-target-master", "the target is master", ""))
	} else {
		cs = append(cs, steps.WarnCheck("verify-target-master", "the target is master", "role "+string(s.Target.Role)+" "+s.Target.Error))
	}
	// +switch-master from one Sentinel does not make the switch done: the
	// leader may still be in its failover, and a replayed event proves
	// nothing. Every Sentinel's own record does.
	switch {
	case n == m && f.SwitchMaster != nil:
		cs = append(cs, steps.PassCheck("verify-switch", "+switch-master", "seen from "+f.SwitchMaster.Sentinel+" at "+f.SwitchMaster.Time.Format(time.TimeOnly)+"; no failover in progress"))
	case n == m:
		cs = append(cs, steps.PassCheck("verify-switch", "+switch-master", "every Sentinel has switched (no failover in progress)"))
	default:
		detail := "Sentinel is still finishing the failover"
		if f.SwitchMaster != nil {
			detail = "seen from " + f.SwitchMaster.Sentinel + " at " + f.SwitchMaster.Time.Format(time.TimeOnly) + ", but not every Sentinel has switched"
		}
		if others := checks.StaleReplicaLines(f, o); len(others) > 0 && steps.AnyFailoverInProgress(f) { // replicas.go
			detail += fmt.Sprintf(": other replicas (%s) cannot sync from Dragonfly, so the leader waits for failover-timeout (%s) unless they are shut down", strings.Join(others, "; "), steps.FailoverTimeout(f))
		}
		cs = append(cs, steps.WarnCheck("verify-switch", "+switch-master", detail))
	}
	if f.VerifiedWrite.IsZero() {
		cs = append(cs, steps.WarnCheck("verify-write", "a write through Sentinel lands on the target", "not tried yet in this session"))
	} else {
		cs = append(cs, steps.PassCheck("verify-write", "a write through Sentinel lands on the target", "at "+f.VerifiedWrite.Format(time.TimeOnly)))
	}
	return cs
}

// verifyKey is the test key the verify step writes; it is derived from
// the facts so that the command shown is the command sent.
func verifyKey(f steps.Facts) string {
	return "flyover:verify:" + strconv.FormatInt(f.Snapshot.At.UnixMilli(), 10)
}

func verifyCommands(f steps.Facts) []steps.Command {
	key := verifyKey(f)
	cs := []steps.Command{{Endpoint: "sentinel-1", Addr: steps.SentinelAddr(f, 0), Args: []string{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", f.Topo.MasterName},
		Note: "or the next Sentinel that answers; the address must be the target's"}}
	cs = append(cs,
		steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"SET", key, key, "PX", "60000"}},
		steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"GET", key}},
		steps.Command{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"RANDOMKEY"},
			Note: fmt.Sprintf("%d keys, each read (TYPE, PTTL, the value) on the old primary and on the target: reads only, one summary in the audit log", checks.DefaultSampleKeys)})
	return cs
}

func runVerify(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	// First what ends the leader's failover sooner (the old replicas it
	// waits for, shut down), and the repair of a stuck Sentinel: the
	// write below asks the Sentinels where the primary is.
	for _, n := range switchover.ReplicasHoldingTheFailover(f, r.Options()) {
		if !steps.IsYes(a[checks.ShutdownID(n)]) {
			continue
		}
		progress(steps.Progress{Phase: "shutting down", Message: "SHUTDOWN on " + n.Label() + " so Sentinel's leader can end its failover", Fraction: -1})
		if err := shutdownReplica(ctx, r, n.Addr); err != nil {
			return err
		}
		r.Session.SetFate(n.Addr, steps.FateShutDown)
	}
	for _, rep := range switchover.StuckSentinelRepairs(f) {
		if !steps.IsYes(a[switchover.RepairID(rep.Label)]) {
			continue
		}
		if err := switchover.RepairSentinel(ctx, r, rep, progress); err != nil {
			return err
		}
	}
	// A write through Sentinel: ask a Sentinel where the primary is, as a
	// client would, and write there.
	progress(steps.Progress{Phase: "writing", Message: "asking a Sentinel for the primary, then writing a test key", Fraction: -1})
	addr := ""
	var lastErr error
	for _, e := range r.Prober.Sentinels {
		v, err := r.Send(ctx, e, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", f.Topo.MasterName)
		if err != nil {
			lastErr = err
			continue
		}
		if addr, err = probe.ParseMasterAddr(v); err == nil {
			break
		}
		lastErr = err
	}
	if addr == "" {
		return fmt.Errorf("no Sentinel named the primary: %v", lastErr)
	}
	if !r.Prober.Topo.IsTarget(addr) {
		return fmt.Errorf("a Sentinel sends clients to %s, not to the target %s", addr, r.Prober.Topo.Target)
	}
	key := verifyKey(f)
	if _, err := r.Send(ctx, r.Prober.Target, "SET", key, key, "PX", "60000"); err != nil {
		return fmt.Errorf("the target refused a write: %w", err)
	}
	v, err := r.Send(ctx, r.Prober.Target, "GET", key)
	if err != nil {
		return err
	}
	if probe.AsString(v) != key {
		return fmt.Errorf("the test key read back as %q, not %q", probe.AsString(v), key)
	}
	r.Session.SetVerified(time.Now())

	// The canary's ledger, read back from the new primary.
	if r.Canary != nil {
		rb := checks.ReadBack(ctx, r, steps.StepVerify, progress)
		if rb.Err != "" {
			return errors.New(rb.Err)
		}
		if verdict := rb.Verdict; verdict.Lost > 0 {
			return fmt.Errorf("%d of %d acknowledged canary writes are missing on the new primary %s (e.g. %s)",
				verdict.Lost, verdict.Checked, verdict.Primary, strings.Join(verdict.LostSample, ", "))
		}
	}

	// A sample of keys: the old primary's data stopped at the cutover
	// (it cannot sync from Dragonfly), so a key it holds that the new
	// primary lacks or holds otherwise was lost, or changed since by the
	// application: the report says which keys, to look at.
	if fresh.Snapshot.Source.Reachable {
		checks.RunSample(ctx, r, steps.StepVerify, true, progress)
	} else {
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: steps.StepVerify, Message: "no sample of keys after the cutover: the old primary does not answer"}, false)
	}

	// Sentinel finishing the failover (+switch-master).
	ft := steps.FailoverTimeout(fresh)
	start := time.Now()
	if f.Cutover != nil && !f.Cutover.FailoverAt.IsZero() {
		start = f.Cutover.FailoverAt
	}
	deadline := start.Add(ft + 10*time.Second)
	last, err := r.WaitUntil(ctx, r.Options().PollInterval, deadline, func(f steps.Facts) (bool, error) {
		waiting := steps.WaitingOn(verifyChecks(f, r.Options()))
		if len(waiting) == 0 {
			progress(steps.Progress{Phase: "verified", Message: "every Sentinel names the target; the write landed", Fraction: 1})
			return true, nil
		}
		progress(steps.Progress{Phase: "waiting for +switch-master", Message: strings.Join(waiting, "; "), Fraction: -1, Deadline: deadline})
		return false, nil
	})
	if errors.Is(err, steps.ErrDeadline) {
		return fmt.Errorf("past failover-timeout: %s", strings.Join(steps.WaitingOn(verifyChecks(last, r.Options())), "; "))
	}
	return err
}
