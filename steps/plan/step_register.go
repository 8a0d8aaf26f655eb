package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/checks"
)

// Step 5: wait until every Sentinel lists the target, healthy and
// eligible. Who Sentinel picks among eligible replicas is step 6's
// (only the target can be promoted).
var registerStep = &steps.Step{
	Watches: true,
	ID:      steps.StepRegister,
	Title:   "Sentinel registers the target",
	Why: "Sentinel discovers a new replica from the source's INFO, which it reads every 10 s, then rates it. The cutover asks " +
		"Sentinel to fail over, and Sentinel promotes only a replica it lists as healthy, recently heard from, with priority above 0. " +
		"Every Sentinel must list the target that way; the next step makes sure no other replica can win.",
	OnFailure: "If a Sentinel never lists the target, it cannot reach the address the source lists it by (see preflight's target " +
		"address line).",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.RegisterTimeout },
	PreFn: func(f steps.Facts, o steps.Options) []steps.Check {
		if cs := streamingPre(f, "register-streaming"); cs != nil {
			return cs
		}
		return registrationChecks(f)
	},
	PostFn: func(f steps.Facts, o steps.Options) []steps.Check { return registrationChecks(f) },
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		return steps.AfterCutover(f) || steps.StageOf(f) == steps.StageStreaming && !steps.AnyNotPass(registrationChecks(f))
	},
	RunFn: runRegister,
}

// registrationChecks says, per Sentinel, whether it lists the target,
// healthy, with priority above 0, and could promote it. A Sentinel that
// has not listed it yet is a wait (warn); the target at priority 0 is a
// block with the fix; another replica ranking higher is step 6's.
func registrationChecks(f steps.Facts) []steps.Check {
	var cs []steps.Check
	for i, v := range f.Snapshot.Sentinels {
		id, title := steps.EndpointLabel(i)+"-registers", steps.EndpointLabel(i)+" lists the target, healthy and eligible"
		if !v.Reachable || !v.Monitors {
			cs = append(cs, steps.Clears(steps.BlockCheck(id, title, v.Error, "every Sentinel must answer: see preflight")))
			continue
		}
		r := targetEntry(f, i)
		switch {
		case r == nil:
			if detail, ok := checks.ListingProblem(f); ok {
				cs = append(cs, steps.BlockCheck(id, title, detail, checks.ListingFix))
				continue
			}
			cs = append(cs, steps.WarnCheck(id, title, "not listed yet (Sentinel reads the source's INFO every 10 s)"))
		case r.Down():
			cs = append(cs, steps.WarnCheck(id, title, "listed, flagged "+strings.Join(r.Flags, ",")+": Sentinel cannot reach it at "+r.Addr()))
		case r.Priority == 0:
			c := steps.BlockCheck(id, title, "the target's replica priority is 0: Sentinel never promotes it",
				"set a priority above 0 on the target (CONFIG SET replica-priority 100; Dragonfly v1.21+ or --replica_priority)")
			c.FixCommands = []steps.Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "SET", "replica-priority", "100"}}}
			cs = append(cs, c)
		case v.WouldPromoteTarget:
			cs = append(cs, steps.PassCheck(id, title, fmt.Sprintf("listed as %s, priority %d, offset %d", r.Addr(), r.Priority, r.Offset)))
		default:
			_, skipped := v.PromotionCandidate()
			why := skipped[r.Addr()]
			if v.WouldPromote != "" && strings.HasPrefix(why, "ranked lower") {
				// Eligible; another replica ranks higher today: step 6
				// gives the others priority 0.
				cs = append(cs, steps.PassCheck(id, title, fmt.Sprintf("listed as %s, priority %d, offset %d; %s ranks higher today: the next step gives the other replicas priority 0",
					r.Addr(), r.Priority, r.Offset, v.WouldPromote)))
				continue
			}
			if why == "" {
				why = "not rated yet"
			}
			if strings.HasPrefix(why, "no PING reply") {
				why += ": Sentinel cannot reach it at " + r.Addr() + " (check the network between this Sentinel and the target)"
			}
			cs = append(cs, steps.WarnCheck(id, title, "listed, not eligible yet: "+why))
		}
	}
	return cs
}

func targetEntry(f steps.Facts, i int) *probe.SentinelReplica {
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
func waitForSentinels(ctx context.Context, r *steps.Runner, progress func(steps.Progress), what string, checks func(steps.Facts) []steps.Check,
	subject func(steps.Check) string, done func(steps.Facts) bool) (steps.Facts, error) {
	deadline := time.Now().Add(r.Options().RegisterTimeout)
	return r.WaitUntil(ctx, r.Options().PollInterval, deadline, func(f steps.Facts) (bool, error) {
		if steps.AfterCutover(f) {
			return true, nil
		}
		cs := checks(f)
		ready, msg := 0, ""
		for _, c := range cs {
			switch {
			case c.Level == steps.Pass:
				ready++
			case msg == "":
				msg = "; " + subject(c) + ": " + c.Detail
			}
		}
		msg = fmt.Sprintf("%d of %d %s", ready, len(cs), what) + msg
		progress(steps.Progress{Phase: "waiting for Sentinel", Message: msg, Fraction: float64(ready) / float64(max(1, len(cs))), Deadline: deadline})
		if done == nil {
			return ready == len(cs), nil
		}
		return done(f), nil
	})
}

func runRegister(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	last, err := waitForSentinels(ctx, r, progress, "Sentinels list the target, healthy and eligible", registrationChecks,
		func(c steps.Check) string { return strings.TrimSuffix(c.ID, "-registers") }, nil)
	if errors.Is(err, steps.ErrDeadline) {
		cs := registrationChecks(last)
		var not []string
		for _, c := range cs {
			if c.Level != steps.Pass {
				s := c.Title + ": " + c.Detail
				if c.Fix != "" {
					s += " (fix: " + c.Fix
					if len(c.FixCommands) > 0 {
						s += ": " + steps.CommandList(c.FixCommands)
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
