package steps

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Step 4: watch until the target keeps up, poll after poll.
var steadyStep = &Step{
	Watches: true,
	ID:      StepSteady,
	Title:   "Steady state",
	Why: "Before the cutover the target must keep up: in sync for several consecutive polls, and the same number of keys " +
		"without a TTL in every database (keys with a TTL expire on the source's clock, so their counts may differ for a moment). " +
		"Equal counts do not prove equal data, so once it keeps up flyover compares a sample of keys, type, TTL and value, on both " +
		"sides (reads only, about a second); a key that still differs after the target caught up blocks the cutover.",
	OnFailure: "If the lag does not settle, the target or the network cannot keep up with the write rate: look at the target's " +
		"CPU and the link before going on.",
	deadline: func(f Facts, o Options) time.Duration { return o.SteadyTimeout },
	pre:      func(f Facts, o Options) []Check { return streamingPre(f, "steady-streaming") },
	post:     steadyChecks,
	done: func(f Facts, o Options) bool {
		return afterCutover(f) || StageOf(f) == StageStreaming && !anyNotPass(steadyChecks(f, o))
	},
	run: runSteady,
}

func steadyChecks(f Facts, o Options) []Check {
	l := &f.Snapshot.Link
	var cs []Check
	lag := lagText(f)
	if f.InSyncPolls >= o.SteadyPolls && l.InSync {
		cs = append(cs, pass("steady-polls", "in sync for consecutive polls", fmt.Sprintf("%d polls; %s", f.InSyncPolls, lag)))
	} else {
		cs = append(cs, warn("steady-polls", "in sync for consecutive polls", fmt.Sprintf("%d of %d; %s", f.InSyncPolls, o.SteadyPolls, lag)))
	}
	if f.KeysMatched {
		cs = append(cs, pass("steady-keys", "keys minus expires equal in every database", ""))
	} else {
		d := f.KeysDiff
		if d == "" {
			d = "not compared yet"
		}
		cs = append(cs, warn("steady-keys", "keys minus expires equal in every database", d))
	}
	return cs
}

func runSteady(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error {
	o := r.Options()
	deadline := time.Now().Add(o.SteadyTimeout)
	last, err := r.WaitUntil(ctx, max(o.PollInterval, minPollSpacing), deadline, func(f Facts) (bool, error) {
		if st := StageOf(f); st != StageStreaming {
			if afterCutover(f) {
				return true, nil
			}
			return false, fmt.Errorf("the target is %s, not streaming", st)
		}
		cs := steadyChecks(f, o)
		keys := "keys equal"
		if cs[1].Level != Pass {
			keys = "keys: " + cs[1].Detail
		}
		progress(Progress{Phase: "settling", Message: fmt.Sprintf("in sync for %d of %d polls; %s; %s", min(f.InSyncPolls, o.SteadyPolls), o.SteadyPolls, lagText(f), keys),
			Fraction: min(1, float64(f.InSyncPolls)/float64(o.SteadyPolls)), Deadline: deadline})
		return !anyNotPass(cs), nil
	})
	if errors.Is(err, ErrDeadline) {
		return fmt.Errorf("no steady state within %s: %s, %s", o.SteadyTimeout, lagText(last), last.KeysDiff)
	}
	if err != nil || afterCutover(last) {
		return err
	}
	run := r.runSample(ctx, StepSteady, false, progress)
	if n := len(run.Result.Mismatches); n > 0 {
		return fmt.Errorf("the target differs from the source in %d of %d sampled keys: %s; the cutover is blocked until a new sample agrees",
			n, run.Result.Compared, run.Mismatched(5))
	}
	return nil
}

// streamingPre is the precondition of a step that waits on a streaming
// target, as the check id: nil while the target streams, else a block
// until the full sync ends.
func streamingPre(f Facts, id string) []Check {
	if StageOf(f) != StageStreaming {
		return []Check{clears(block(id, "the target streams", "it is "+string(f.Snapshot.Link.Phase), "wait for the full sync"))}
	}
	return nil
}
