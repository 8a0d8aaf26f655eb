package steps

import (
	"context"
	"errors"
	"flyover/probe"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Step 5: wait until every Sentinel lists the target and would promote it.
var registerStep = &Step{
	Watches:        true,
	FixWhenBlocked: true,
	ID:             StepRegister,
	Title:          "Sentinel registers the target",
	Why: "Sentinel discovers a new replica from the source's INFO, which it reads every 10 s, then rates it. The cutover asks " +
		"Sentinel to fail over, and Sentinel promotes the replica it likes best: lowest priority number, then highest offset, " +
		"then lowest run id. Every Sentinel must list the target as healthy, with priority above 0, and pick it over any other replica.",
	OnFailure: "If a Sentinel never lists the target, it cannot reach the address the source lists it by (see preflight's target " +
		"address line). If another replica wins, apply the priority fix shown.",
	deadline: func(f Facts, o Options) time.Duration { return o.RegisterTimeout },
	pre: func(f Facts, o Options) []Check {
		if StageOf(f) != StageStreaming {
			return []Check{block("register-streaming", "the target streams", "it is "+string(f.Snapshot.Link.Phase), "wait for the full sync")}
		}
		return registrationChecks(f)
	},
	post: func(f Facts, o Options) []Check { return registrationChecks(f) },
	done: func(f Facts, o Options) bool {
		return afterCutover(f) || StageOf(f) == StageStreaming && !anyNotPass(registrationChecks(f))
	},
	commands: func(f Facts, o Options) []Command { return priorityFix(f) },
	confirm: func(f Facts, o Options) []Confirmation {
		fix := priorityFix(f)
		if len(fix) == 0 {
			return nil
		}
		return []Confirmation{{ID: "fix-priorities", Kind: ConfirmYesNo, Commands: fix,
			Prompt: "Another replica would be promoted instead of the target. Raise the other replicas' priority numbers so Sentinel picks the target?"}}
	},
	run: runRegister,
}

// registrationChecks says, per Sentinel, whether it lists the target,
// healthy, with priority above 0, and would promote it. A Sentinel that
// has not listed it yet is a wait (warn); another replica winning, or
// priority 0, is a block with the fix.
func registrationChecks(f Facts) []Check {
	var cs []Check
	fix := priorityFix(f)
	for i, v := range f.Snapshot.Sentinels {
		id, title := endpointLabel(i)+"-registers", endpointLabel(i)+" lists the target and would promote it"
		if !v.Reachable || !v.Monitors {
			cs = append(cs, block(id, title, v.Error, "every Sentinel must answer: see preflight"))
			continue
		}
		r := targetEntry(f, i)
		switch {
		case r == nil:
			if detail, ok := listingProblem(f); ok {
				cs = append(cs, block(id, title, detail, listingFix))
				continue
			}
			cs = append(cs, warn(id, title, "not listed yet (Sentinel reads the source's INFO every 10 s)"))
		case r.Down():
			cs = append(cs, warn(id, title, "listed, flagged "+strings.Join(r.Flags, ",")+": Sentinel cannot reach it at "+r.Addr()))
		case r.Priority == 0:
			c := block(id, title, "the target's replica priority is 0: Sentinel never promotes it",
				"set a priority above 0 on the target (CONFIG SET replica-priority 100; Dragonfly v1.21+ or --replica_priority)")
			c.FixCommands = []Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "SET", "replica-priority", "100"}}}
			cs = append(cs, c)
		case v.WouldPromoteTarget:
			cs = append(cs, pass(id, title, fmt.Sprintf("listed as %s, priority %d, offset %d", r.Addr(), r.Priority, r.Offset)))
		case v.WouldPromote != "" && len(fix) > 0:
			c := block(id, title, fmt.Sprintf("it would promote %s instead (priority, then offset, then run id)", v.WouldPromote),
				"raise the other replicas' priority numbers above the target's")
			c.FixCommands = fix
			cs = append(cs, c)
		default:
			_, skipped := v.PromotionCandidate()
			why := skipped[r.Addr()]
			if why == "" {
				why = "not rated yet"
			}
			cs = append(cs, warn(id, title, "listed, not eligible yet: "+why))
		}
	}
	return cs
}

func targetEntry(f Facts, i int) *probe.SentinelReplica {
	v := &f.Snapshot.Sentinels[i]
	for j := range v.Replicas {
		if f.Topo.IsTarget(v.Replicas[j].Addr()) {
			return &v.Replicas[j]
		}
	}
	return nil
}

// priorityFix returns the commands that make every Sentinel prefer the
// target: each other eligible replica whose priority number is not above
// the target's gets the target's plus one. Empty when no Sentinel prefers
// another replica.
func priorityFix(f Facts) []Command {
	need := false
	for _, v := range f.Snapshot.Sentinels {
		if v.Reachable && v.Monitors && v.KnowsTarget && !v.WouldPromoteTarget && v.WouldPromote != "" {
			need = true
		}
	}
	if !need {
		return nil
	}
	tp := 0
	for i := range f.Snapshot.Sentinels {
		if r := targetEntry(f, i); r != nil {
			tp = r.Priority
			break
		}
	}
	if tp <= 0 {
		return nil
	}
	seen := map[string]bool{}
	var cs []Command
	for _, v := range f.Snapshot.Sentinels {
		for _, r := range v.Replicas {
			if f.Topo.IsTarget(r.Addr()) || seen[r.Addr()] || r.Priority == 0 || r.Priority > tp {
				continue
			}
			seen[r.Addr()] = true
			cs = append(cs, Command{Endpoint: "replica", Addr: r.Addr(),
				Args: []string{"CONFIG", "SET", "replica-priority", strconv.Itoa(tp + 1)},
				Note: fmt.Sprintf("priority %d now; the target's is %d, and the lower number wins", r.Priority, tp)})
		}
	}
	return cs
}

func runRegister(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	if fix := priorityFix(f); len(fix) > 0 && isYes(a["fix-priorities"]) {
		if r.DialReplica == nil {
			return fmt.Errorf("flyover cannot reach the other replicas: run these yourself: %s", commandList(fix))
		}
		for _, c := range fix {
			e := r.DialReplica(c.Addr)
			progress(Progress{Phase: "fixing priorities", Message: c.String(), Fraction: -1})
			_, err := r.Send(ctx, e, "CONFIG", "SET", "replica-priority", c.Args[3])
			e.Close()
			if err != nil {
				return err
			}
		}
	}
	deadline := time.Now().Add(r.opts().RegisterTimeout)
	last, err := r.waitUntil(ctx, r.opts().PollInterval, deadline, func(f Facts) (bool, error) {
		if afterCutover(f) {
			return true, nil
		}
		cs := registrationChecks(f)
		waiting := waitingOn(cs)
		ready := len(cs) - len(waiting)
		msg := fmt.Sprintf("%d of %d Sentinels list the target and would promote it", ready, len(cs))
		if len(waiting) > 0 {
			msg += "; " + waiting[0]
		}
		progress(Progress{Phase: "waiting for Sentinel", Message: msg, Fraction: float64(ready) / float64(max(1, len(cs))), Deadline: deadline})
		return ready == len(cs), nil
	})
	if errors.Is(err, errDeadline) {
		cs := registrationChecks(last)
		var not []string
		for _, c := range cs {
			if c.Level != Pass {
				s := c.Title + ": " + c.Detail
				if c.Fix != "" {
					s += " (fix: " + c.Fix
					if len(c.FixCommands) > 0 {
						s += ": " + commandList(c.FixCommands)
					}
					s += ")"
				}
				not = append(not, s)
			}
		}
		return fmt.Errorf("after %s: %s", r.opts().RegisterTimeout, strings.Join(not, "; "))
	}
	return err
}

func commandList(cs []Command) string {
	var out []string
	for _, c := range cs {
		c.Note = ""
		out = append(out, c.String())
	}
	return strings.Join(out, "; ")
}
