package plan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"flyover/steps"
	"flyover/steps/checks"
)

// Step 4: watch until the target keeps up, poll after poll.
var steadyStep = &steps.Step{
	Watches: true,
	ID:      steps.StepSteady,
	Title:   "Steady state",
	Why: "Before the cutover the target must keep up: in sync for several consecutive polls, and the same number of keys " +
		"without a TTL in every database (keys with a TTL expire on the source's clock, so their counts may differ for a moment). " +
		"Equal counts do not prove equal data, so once it keeps up flyover compares a sample of keys, type, TTL and value, on both " +
		"sides (reads only, about a second); a key that still differs after the target caught up blocks the cutover.",
	OnFailure: "If the lag does not settle, the target or the network cannot keep up with the write rate: look at the target's " +
		"CPU and the link before going on.",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.SteadyTimeout },
	PreFn:      func(f steps.Facts, o steps.Options) []steps.Check { return streamingPre(f, "steady-streaming") },
	PostFn:     steadyChecks,
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		return steps.AfterCutover(f) || steps.StageOf(f) == steps.StageStreaming && !steps.AnyNotPass(steadyChecks(f, o))
	},
	RunFn: runSteady,
}

func steadyChecks(f steps.Facts, o steps.Options) []steps.Check {
	l := &f.Snapshot.Link
	var cs []steps.Check
	lag := steps.LagText(f)
	if f.InSyncPolls >= o.SteadyPolls && l.InSync {
		cs = append(cs, steps.PassCheck("steady-polls", "in sync for consecutive polls", fmt.Sprintf("%d polls; %s", f.InSyncPolls, lag)))
	} else {
		cs = append(cs, steps.WarnCheck("steady-polls", "in sync for consecutive polls", fmt.Sprintf("%d of %d; %s", f.InSyncPolls, o.SteadyPolls, lag)))
	}
	if f.KeysMatched {
		cs = append(cs, steps.PassCheck("steady-keys", "keys minus expires equal in every database", ""))
	} else {
		d := f.KeysDiff
		if d == "" {
			d = "not compared yet"
		}
		cs = append(cs, steps.WarnCheck("steady-keys", "keys minus expires equal in every database", d))
	}
	return cs
}

func runSteady(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	o := r.Options()
	deadline := time.Now().Add(o.SteadyTimeout)
	last, err := r.WaitUntil(ctx, max(o.PollInterval, steps.MinPollSpacing), deadline, func(f steps.Facts) (bool, error) {
		if st := steps.StageOf(f); st != steps.StageStreaming {
			if steps.AfterCutover(f) {
				return true, nil
			}
			return false, fmt.Errorf("the target is %s, not streaming", st)
		}
		cs := steadyChecks(f, o)
		keys := "keys equal"
		if cs[1].Level != steps.Pass {
			keys = "keys: " + cs[1].Detail
		}
		progress(steps.Progress{Phase: "settling", Message: fmt.Sprintf("in sync for %d of %d polls; %s; %s", min(f.InSyncPolls, o.SteadyPolls), o.SteadyPolls, steps.LagText(f), keys),
			Fraction: min(1, float64(f.InSyncPolls)/float64(o.SteadyPolls)), Deadline: deadline})
		return !steps.AnyNotPass(cs), nil
	})
	if errors.Is(err, steps.ErrDeadline) {
		return fmt.Errorf("no steady state within %s: %s, %s", o.SteadyTimeout, steps.LagText(last), last.KeysDiff)
	}
	if err != nil || steps.AfterCutover(last) {
		return err
	}
	run := checks.RunSample(ctx, r, steps.StepSteady, false, progress)
	if n := len(run.Result.Mismatches); n > 0 {
		return fmt.Errorf("the target differs from the source in %d of %d sampled keys: %s; the cutover is blocked until a new sample agrees",
			n, run.Result.Compared, run.Mismatched(5))
	}
	return nil
}

// streamingPre is the precondition of a step that waits on a streaming
// target, as the check id: nil while the target streams, else a block
// until the full sync ends.
func streamingPre(f steps.Facts, id string) []steps.Check {
	if steps.StageOf(f) != steps.StageStreaming {
		return []steps.Check{steps.Clears(steps.BlockCheck(id, "the target streams", "it is "+string(f.Snapshot.Link.Phase), "wait for the full sync"))}
	}
	return nil
}
