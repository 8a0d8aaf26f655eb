package plan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
)

// Step 2: REPLICAOF on the target, at the source as the Sentinels know it.
var attachStep = &steps.Step{
	ID:    steps.StepAttach,
	Title: "Attach the target",
	Why: "REPLICAOF makes the target a replica of the source: it wipes the target and starts a full sync. " +
		"It uses the source's address exactly as the Sentinels know it: a target pointed at another name for the " +
		"same server is \"fixed\" by Sentinel after failover-timeout, with a second full sync. Just before, flyover reads the target's " +
		"INFO commandstats: from there on, every replicated command the target drops (Dragonfly counts them and says nothing) shows at once.",
	OnFailure: "Nothing else changed. If the target does not follow the source, read its log (masterauth? " +
		"can it reach the source's address?). The abort path detaches it.",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.AttachTimeout },
	PreFn:      attachPre,
	PostFn: func(f steps.Facts, o steps.Options) []steps.Check {
		if steps.Attached(f) {
			return []steps.Check{steps.PassCheck("attached", "the target follows the source", string(f.Snapshot.Link.Phase))}
		}
		return []steps.Check{steps.WarnCheck("attached", "the target follows the source", "not yet: "+string(f.Snapshot.Link.Phase))}
	},
	DoneFn: func(f steps.Facts, o steps.Options) bool { return steps.Attached(f) },
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command {
		return append(steps.BufferRaiseCommands(f), attachCommands(f)...)
	},
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		prompt := "Attach the target as a replica of the source?"
		if n := steps.TargetKeys(f); n > 0 {
			prompt = fmt.Sprintf("Attach the target as a replica of the source? This wipes its %d keys.", n)
		}
		return append(steps.BufferRaiseConfirmations(f), steps.Confirmation{ID: "attach", Kind: steps.ConfirmYesNo, Prompt: prompt, Commands: attachCommands(f)})
	},
	RunFn: runAttach,
}

func attachPre(f steps.Facts, o steps.Options) []steps.Check {
	var cs []steps.Check
	if b := steps.FirstBlock(checks.Preflight(f, o)); b != nil {
		cs = append(cs, *b)
	}
	if steps.SourceAsSentinelKnowsIt(f) == "" {
		cs = append(cs, steps.BlockCheck("attach-address", "the source's address as Sentinel knows it",
			"the Sentinels do not agree on the source's address", "see preflight"))
	}
	if st := steps.StageOf(f); st != steps.StageDetached {
		cs = append(cs, steps.BlockCheck("attach-stage", "the target is detached", "the target is "+string(st), "the plan has moved on: poll again"))
	}
	return cs
}

func attachCommands(f steps.Facts) []steps.Command {
	addr := steps.SourceAsSentinelKnowsIt(f)
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	return []steps.Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", h, p}}}
}

func runAttach(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	cmds := attachCommands(f)
	if len(cmds) == 0 || !sameCommands(cmds, attachCommands(fresh)) {
		return errors.New("not started, nothing sent: the source's address as the Sentinels know it changed since you confirmed: review the step again")
	}
	host, port := cmds[0].Args[1], cmds[0].Args[2]
	// The divergence watch's baseline: what the target had already
	// dropped before it replicates from the source is not the source's.
	progress(steps.Progress{Phase: "baseline", Message: "the target's INFO commandstats before it replicates: the divergence watch counts from here", Fraction: -1})
	if base, err := readiness.ReadDivergence(ctx, r.Doer(), r.Prober.Target); err == nil {
		r.Session.SetDivergenceBase(&base)
	} else {
		r.Session.SetDivergenceBase(nil)
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: steps.StepAttach, Message: "no divergence baseline (the watch counts since the target started): " + err.Error()}, false)
	}
	if err := steps.RunBufferRaise(ctx, r, f, a, progress); err != nil {
		return err
	}
	progress(steps.Progress{Phase: "attaching", Message: cmds[0].String(), Fraction: -1})
	if err := switchover.SendReplicaOf(ctx, r, r.Prober.Target, host, port, "source", r.Prober.Source); err != nil {
		return err
	}
	deadline := time.Now().Add(r.Options().AttachTimeout)
	last, err := r.WaitUntil(ctx, 200*time.Millisecond, deadline, func(f steps.Facts) (bool, error) {
		progress(steps.Progress{Phase: "waiting", Message: "the target follows the source: " + string(f.Snapshot.Link.Phase), Fraction: -1, Deadline: deadline})
		return steps.Attached(f) && switchover.HandshakeDone(f), nil
	})
	if errors.Is(err, steps.ErrDeadline) {
		return switchover.AttachStuck(ctx, r, last, host, port, r.Options().AttachTimeout)
	}
	return err
}

func sameCommands(a, b []steps.Command) bool {
	return slices.EqualFunc(a, b, func(x, y steps.Command) bool { return x.String() == y.String() })
}
