package switchover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
)

// The full sync's stop holds: REPLICAOF NO ONE alone does not, since
// every Sentinel that lists the target among the master's replicas turns
// a known replica that reports role:master back into a replica of the
// master (+convert-to-slave) and the loop runs again, each restart a
// fork of the production primary. So the undo of the attach is whole
// only once those Sentinels forgot the target (SENTINEL RESET, as the
// abort does), sent without a question as the REPLICAOF NO ONE is; and
// the step watches for a while that no Sentinel sends it back.
//
// The timing. A Sentinel converts the target once it has reported
// role:master for conversionPeriod (4 × Sentinel's 2 s publish period),
// at its next INFO of it: the clock starts at the first INFO it reads
// after REPLICAOF NO ONE (every 10 s, every second while the replica's
// link is down, as it is in the loop), so never sooner than
// conversionPeriod after it. A reset Sentinel forgets the target at once,
// and does not learn it again: it learns replicas from the source's INFO
// only, and the source no longer lists the target (the resets wait for
// that). So each reset must go within conversionPeriod of the detach.
//
// ResetSentinels' own settle wait (the abort's) waits for a reset
// Sentinel to know every other one again, which takes up to a hello
// period (2 s) and a poll each: with three Sentinels the last reset can
// come after the 8 s. The stop's balance: a reset Sentinel has settled
// once it knows quorum-1 other Sentinels (it can then agree an ODOWN of
// the source with them, and the Sentinels not reset yet, which know it,
// elect a leader with its vote), and it waits for no more than its share
// of forgetBudget (the next reset is due at detach + forgetBudget × its
// place / the resets after the first). Past its share the next reset
// goes anyway: a Sentinel knows its peers again within a hello period,
// far below any down-after-milliseconds a failover needs first, while a
// conversion is a new fork of the production primary for sure.
const (
	conversionPeriod = 8 * time.Second
	forgetBudget     = 6 * time.Second
	// holdFor is how long after the last reset the step watches for a
	// Sentinel sending the target back: past the conversion period of a
	// Sentinel that read the target's INFO just before its reset, or came
	// back from being unreachable.
	holdFor = conversionPeriod + 4*time.Second
	// maxSentBack bounds how many times a Sentinel may send the target
	// back before the step gives up watching and says so.
	maxSentBack = 2
	// maxRounds bounds the rounds of resets in all: a Sentinel that comes
	// back listing the target is reset without a conversion to count.
	maxRounds = 2 * (maxSentBack + 1)
)

// StopTheLoop is the full-sync step's stop (steps/plan): REPLICAOF NO ONE
// (steps.StopLoop), then the Sentinels that list the target forget it
// (holdStop), then the stop is recorded and the step fails with it.
func StopTheLoop(ctx context.Context, r *steps.Runner, f steps.Facts, progress func(steps.Progress)) error {
	st, err := steps.StopLoop(ctx, r, f)
	var gaveUp error
	if err == nil {
		gaveUp = holdStop(ctx, r, st, progress)
	}
	r.Session.SetSyncStopped(st)
	if gaveUp != nil {
		return gaveUp
	}
	return errors.New(steps.StopMessage(st, err))
}

// holdStop makes the Sentinels that list the target forget it, then
// watches for holdFor that none sends it back; one that does gets the
// target stopped again and is reset, up to maxSentBack times. It fills
// st's Forgot, ForgetErr and SentBack, and returns the step's failure
// when the Sentinels kept sending the target back.
func holdStop(ctx context.Context, r *steps.Runner, st *steps.SyncStop, progress func(steps.Progress)) error {
	detached := st.At
	for round := 1; ; round++ {
		// A reset Sentinel would learn the target again from the source's
		// INFO while the source still lists it.
		f, err := r.WaitUntil(ctx, 200*time.Millisecond, time.Now().Add(5*time.Second), func(f steps.Facts) (bool, error) {
			return !f.Snapshot.Link.FollowsSource && !f.Snapshot.Link.ListedBySource, nil
		})
		if errors.Is(err, steps.ErrDeadline) {
			err = errors.New("the source still lists the target")
		}
		if err != nil {
			st.ForgetErr = err.Error()
			return nil
		}
		which := listingTarget(f)
		if len(which) > 0 {
			if err := ResetSomeSentinels(ctx, r, progress, which, forgotten(which, detached)); err != nil {
				st.ForgetErr = err.Error()
				return nil
			}
			st.Forgot += len(which)
		} else if !anyUnknown(f) && st.SentBack == 0 {
			// No Sentinel knows the target: none can send it back. After a
			// conversion the watch goes on all the same: a Sentinel may have
			// read the source's INFO while it listed the target again.
			return nil
		}
		if st.SentBack >= maxSentBack {
			return fmt.Errorf("full sync stopped, but Sentinel sent the target back to the source %d times after the stop (+convert-to-slave): "+
				"flyover stopped it again and reset the Sentinels listing it, and watches no more. Next: check that every Sentinel's "+
				"SENTINEL REPLICAS %s omits the target and the target stays a master (ROLE); read the Sentinels' logs", st.SentBack, r.Prober.Topo.MasterName)
		}
		back, again := watchSentBack(ctx, r, progress)
		if !again {
			return nil // held (or the operator stopped the step: the stop's message stands)
		}
		if !back && round < maxRounds {
			continue // a Sentinel that came back listing the target: reset it
		}
		if !back {
			return fmt.Errorf("full sync stopped, but the Sentinels kept listing the target after %d rounds of SENTINEL RESET: flyover watches no more. "+
				"Next: check every Sentinel's SENTINEL REPLICAS %s and that the target stays a master (ROLE); read the Sentinels' logs", round, r.Prober.Topo.MasterName)
		}
		st.SentBack++
		// The loop runs again unguarded from here: say so, stop it again.
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: steps.StepFullSync, Endpoint: "target", Addr: r.Prober.Target.Addr,
			Message: fmt.Sprintf("a Sentinel sent the target back to the source after flyover stopped its full sync (+convert-to-slave, %d×): stopping it again", st.SentBack)}, true)
		progress(steps.Progress{Phase: "sent back", Message: "a Sentinel sent the target back to the source: stopping it again", Fraction: -1})
		if _, err := r.Send(ctx, r.Prober.Target, "REPLICAOF", "NO", "ONE"); err != nil {
			return fmt.Errorf("full sync stopped, but Sentinel sent the target back to the source, and REPLICAOF NO ONE on it failed (%w): "+
				"send it yourself and SENTINEL RESET %s on every Sentinel before the source forks again", err, r.Prober.Topo.MasterName)
		}
		detached = time.Now()
	}
}

// watchSentBack polls every 500 ms for holdFor, failing at the first
// sign of a conversion: back as soon as the target follows the source
// again; again as well when a Sentinel lists it while the source does
// not (one that was unreachable during the resets): both call for
// another round. Neither once holdFor passed or ctx ended.
func watchSentBack(ctx context.Context, r *steps.Runner, progress func(steps.Progress)) (back, again bool) {
	deadline := time.Now().Add(holdFor)
	_, err := r.WaitUntil(ctx, 500*time.Millisecond, deadline, func(f steps.Facts) (bool, error) {
		back = steps.Attached(f) || f.Snapshot.Link.FollowsSource
		if back || len(listingTarget(f)) > 0 {
			return true, nil
		}
		// No Deadline: the checklist would say "gives up in", and the end
		// of the watch is the stop holding, not a failure.
		progress(steps.Progress{Phase: "holding the stop", Message: fmt.Sprintf("sync stopped (REPLICAOF NO ONE): watching for %s that no Sentinel sends the target back to the source",
			holdFor.Round(time.Second)), Fraction: -1})
		return false, nil
	})
	return back, err == nil
}

// listingTarget are the indexes of the Sentinels that list the target
// among the master's replicas (SENTINEL REPLICAS): the ones that would
// send it back. A Sentinel that never learned of it needs nothing.
func listingTarget(f steps.Facts) []int {
	var out []int
	for i, v := range f.Snapshot.Sentinels {
		if v.Reachable && v.Monitors && v.ReplicasRead && v.KnowsTarget {
			out = append(out, i)
		}
	}
	return out
}

// anyUnknown: a Sentinel whose list of replicas flyover could not read,
// which may list the target.
func anyUnknown(f steps.Facts) bool {
	return slices.ContainsFunc(f.Snapshot.Sentinels, func(v probe.SentinelView) bool { return !v.Reachable || (v.Monitors && !v.ReplicasRead) })
}

// forgotten is the stop's settle test for ResetSomeSentinels (see the
// timing above): the reset Sentinel no longer lists the target and knows
// quorum-1 other Sentinels, or its share of forgetBudget is spent.
func forgotten(which []int, detached time.Time) func(f steps.Facts, i int) (bool, string) {
	return func(f steps.Facts, i int) (bool, string) {
		return settledForStop(f, i, time.Now(), nextResetDue(detached, slices.Index(which, i), len(which)))
	}
}

// nextResetDue is when the reset after the k-th of n is due at the
// latest: the budget's shares, the first at the detach and the last at
// detach + forgetBudget (after the last, a share more: nothing waits on
// it but the hold).
func nextResetDue(detached time.Time, k, n int) time.Time {
	return detached.Add(forgetBudget * time.Duration(k+1) / time.Duration(max(n-1, 1)))
}

// settledForStop is forgotten's judgement at now, the next reset being
// due at nextDue.
func settledForStop(f steps.Facts, i int, now, nextDue time.Time) (bool, string) {
	v := f.Snapshot.Sentinels[i]
	others := len(f.Snapshot.Sentinels) - 1
	need := min(max(v.Quorum-1, 0), others)
	var why string
	switch {
	case !v.Reachable || !v.Monitors:
		why = "not answering"
	case v.KnowsTarget:
		why = "still lists the target"
	case v.NumOtherSentinels < need:
		why = fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, others)
	default:
		return true, ""
	}
	if !now.Before(nextDue) {
		return true, ""
	}
	return false, why
}
