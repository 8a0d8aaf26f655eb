package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"flyover/probe"
)

// Step 5: wait until every Sentinel lists the target, healthy and
// eligible. Who Sentinel picks among eligible replicas is step 6's
// (only the target can be promoted).
var registerStep = &Step{
	Watches: true,
	ID:      StepRegister,
	Title:   "Sentinel registers the target",
	Why: "Sentinel discovers a new replica from the source's INFO, which it reads every 10 s, then rates it. The cutover asks " +
		"Sentinel to fail over, and Sentinel promotes only a replica it lists as healthy, recently heard from, with priority above 0. " +
		"Every Sentinel must list the target that way; the next step makes sure no other replica can win.",
	OnFailure: "If a Sentinel never lists the target, it cannot reach the address the source lists it by (see preflight's target " +
		"address line).",
	deadline: func(f Facts, o Options) time.Duration { return o.RegisterTimeout },
	pre: func(f Facts, o Options) []Check {
		if cs := streamingPre(f, "register-streaming"); cs != nil {
			return cs
		}
		return registrationChecks(f)
	},
	post: func(f Facts, o Options) []Check { return registrationChecks(f) },
	done: func(f Facts, o Options) bool {
		return afterCutover(f) || StageOf(f) == StageStreaming && !anyNotPass(registrationChecks(f))
	},
	run: runRegister,
}

// registrationChecks says, per Sentinel, whether it lists the target,
// healthy, with priority above 0, and could promote it. A Sentinel that
// has not listed it yet is a wait (warn); the target at priority 0 is a
// block with the fix; another replica ranking higher is step 6's.
func registrationChecks(f Facts) []Check {
	var cs []Check
	for i, v := range f.Snapshot.Sentinels {
		id, title := endpointLabel(i)+"-registers", endpointLabel(i)+" lists the target, healthy and eligible"
		if !v.Reachable || !v.Monitors {
			cs = append(cs, clears(block(id, title, v.Error, "every Sentinel must answer: see preflight")))
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
		default:
			_, skipped := v.PromotionCandidate()
			why := skipped[r.Addr()]
			if v.WouldPromote != "" && strings.HasPrefix(why, "ranked lower") {
				// Eligible; another replica ranks higher today: step 6
				// gives the others priority 0.
				cs = append(cs, pass(id, title, fmt.Sprintf("listed as %s, priority %d, offset %d; %s ranks higher today: the next step gives the other replicas priority 0",
					r.Addr(), r.Priority, r.Offset, v.WouldPromote)))
				continue
			}
			if why == "" {
				why = "not rated yet"
			}
			if strings.HasPrefix(why, "no PING reply") {
				why += ": Sentinel cannot reach it at " + r.Addr() + " (check the network between this Sentinel and the target)"
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

// waitForSentinels waits, within the register timeout, until done (nil:
// every check passes), showing at each poll how many of checks pass ("n
// of m " + what) and the first that does not, named by subject
// ("sentinel-2: not listed yet"). After the cutover there is nothing to
// wait for.
func (r *Runner) waitForSentinels(ctx context.Context, progress func(Progress), what string, checks func(Facts) []Check,
	subject func(Check) string, done func(Facts) bool) (Facts, error) {
	deadline := time.Now().Add(r.Options().RegisterTimeout)
	return r.WaitUntil(ctx, r.Options().PollInterval, deadline, func(f Facts) (bool, error) {
		if afterCutover(f) {
			return true, nil
		}
		cs := checks(f)
		ready, msg := 0, ""
		for _, c := range cs {
			switch {
			case c.Level == Pass:
				ready++
			case msg == "":
				msg = "; " + subject(c) + ": " + c.Detail
			}
		}
		msg = fmt.Sprintf("%d of %d %s", ready, len(cs), what) + msg
		progress(Progress{Phase: "waiting for Sentinel", Message: msg, Fraction: float64(ready) / float64(max(1, len(cs))), Deadline: deadline})
		if done == nil {
			return ready == len(cs), nil
		}
		return done(f), nil
	})
}

func runRegister(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error {
	last, err := r.waitForSentinels(ctx, progress, "Sentinels list the target, healthy and eligible", registrationChecks,
		func(c Check) string { return strings.TrimSuffix(c.ID, "-registers") }, nil)
	if errors.Is(err, ErrDeadline) {
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
		return fmt.Errorf("after %s: %s", r.Options().RegisterTimeout, strings.Join(not, "; "))
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
