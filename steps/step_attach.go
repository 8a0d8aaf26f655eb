package steps

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"flyover/probe/readiness"
	"flyover/steps/auditlog"
)

// Step 2: REPLICAOF on the target, at the source as the Sentinels know it.
var attachStep = &Step{
	ID:    StepAttach,
	Title: "Attach the target",
	Why: "REPLICAOF makes the target a replica of the source: it wipes the target and starts a full sync. " +
		"It uses the source's address exactly as the Sentinels know it: a target pointed at another name for the " +
		"same server is \"fixed\" by Sentinel after failover-timeout, with a second full sync. Just before, flyover reads the target's " +
		"INFO commandstats: from there on, every replicated command the target drops (Dragonfly counts them and says nothing) shows at once.",
	OnFailure: "Nothing else changed. If the target does not follow the source, read its log (masterauth? " +
		"can it reach the source's address?). The abort path detaches it.",
	deadline: func(f Facts, o Options) time.Duration { return o.AttachTimeout },
	pre:      attachPre,
	post: func(f Facts, o Options) []Check {
		if attached(f) {
			return []Check{pass("attached", "the target follows the source", string(f.Snapshot.Link.Phase))}
		}
		return []Check{warn("attached", "the target follows the source", "not yet: "+string(f.Snapshot.Link.Phase))}
	},
	done:     func(f Facts, o Options) bool { return attached(f) },
	commands: func(f Facts, o Options) []Command { return append(bufferRaiseCommands(f), attachCommands(f)...) },
	confirm: func(f Facts, o Options) []Confirmation {
		prompt := "Attach the target as a replica of the source?"
		if n := targetKeys(f); n > 0 {
			prompt = fmt.Sprintf("Attach the target as a replica of the source? This wipes its %d keys.", n)
		}
		return append(bufferRaiseConfirmations(f), Confirmation{ID: "attach", Kind: ConfirmYesNo, Prompt: prompt, Commands: attachCommands(f)})
	},
	run: runAttach,
}

func attachPre(f Facts, o Options) []Check {
	var cs []Check
	if b := FirstBlock(Preflight(f, o)); b != nil {
		cs = append(cs, *b)
	}
	if SourceAsSentinelKnowsIt(f) == "" {
		cs = append(cs, block("attach-address", "the source's address as Sentinel knows it",
			"the Sentinels do not agree on the source's address", "see preflight"))
	}
	if st := StageOf(f); st != StageDetached {
		cs = append(cs, block("attach-stage", "the target is detached", "the target is "+string(st), "the plan has moved on: poll again"))
	}
	return cs
}

func attachCommands(f Facts) []Command {
	addr := SourceAsSentinelKnowsIt(f)
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	return []Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", h, p}}}
}

func runAttach(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error {
	cmds := attachCommands(f)
	if len(cmds) == 0 || !sameCommands(cmds, attachCommands(fresh)) {
		return errors.New("not started, nothing sent: the source's address as the Sentinels know it changed since you confirmed: review the step again")
	}
	host, port := cmds[0].Args[1], cmds[0].Args[2]
	// The divergence watch's baseline: what the target had already
	// dropped before it replicates from the source is not the source's.
	progress(Progress{Phase: "baseline", Message: "the target's INFO commandstats before it replicates: the divergence watch counts from here", Fraction: -1})
	if base, err := readiness.ReadDivergence(ctx, r.Doer(), r.Prober.Target); err == nil {
		r.Session.setDivergenceBase(&base)
	} else {
		r.Session.setDivergenceBase(nil)
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: StepAttach, Message: "no divergence baseline (the watch counts since the target started): " + err.Error()}, false)
	}
	if err := runBufferRaise(ctx, r, f, a, progress); err != nil {
		return err
	}
	progress(Progress{Phase: "attaching", Message: cmds[0].String(), Fraction: -1})
	if err := r.sendReplicaOf(ctx, r.Prober.Target, host, port, "source", r.Prober.Source); err != nil {
		return err
	}
	deadline := time.Now().Add(r.Options().AttachTimeout)
	last, err := r.WaitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
		progress(Progress{Phase: "waiting", Message: "the target follows the source: " + string(f.Snapshot.Link.Phase), Fraction: -1, Deadline: deadline})
		return attached(f) && handshakeDone(f), nil
	})
	if errors.Is(err, ErrDeadline) {
		return r.attachStuck(ctx, last, host, port, r.Options().AttachTimeout)
	}
	return err
}

func sameCommands(a, b []Command) bool {
	return slices.EqualFunc(a, b, func(x, y Command) bool { return x.String() == y.String() })
}
