package switchover

import (
	"context"
	"errors"
	"fmt"
	"time"

	"flyover/steps"
)

func ResetCommands(f steps.Facts) []steps.Command {
	var cs []steps.Command
	for i, v := range f.Snapshot.Sentinels {
		cs = append(cs, steps.Command{Endpoint: steps.EndpointLabel(i), Addr: v.Addr, Args: []string{"SENTINEL", "RESET", f.Topo.MasterName},
			Note: "then wait until it knows the other Sentinels again"})
	}
	return cs
}

// ResetSentinels sends SENTINEL RESET to each Sentinel in turn and waits,
// before the next, until ready says it has settled: resetting them all at
// once would leave no Sentinel able to fail over for a while.
func ResetSentinels(ctx context.Context, r *steps.Runner, progress func(steps.Progress), ready func(f steps.Facts, i int) (bool, string)) error {
	all := make([]int, len(r.Prober.Sentinels))
	for i := range all {
		all[i] = i
	}
	return ResetSomeSentinels(ctx, r, progress, all, ready)
}

// ResetSomeSentinels is ResetSentinels on the Sentinels of these indexes
// (of r.Prober.Sentinels) only, in this order.
func ResetSomeSentinels(ctx context.Context, r *steps.Runner, progress func(steps.Progress), which []int, ready func(f steps.Facts, i int) (bool, string)) error {
	master := r.Prober.Topo.MasterName
	for k, i := range which {
		e := r.Prober.Sentinels[i]
		name := steps.EndpointLabel(i)
		if err := waitNoFailover(ctx, r, progress, "SENTINEL RESET on "+name); err != nil {
			return err
		}
		progress(steps.Progress{Phase: "resetting " + name, Message: "SENTINEL RESET " + master + " on " + name,
			Fraction: float64(k) / float64(len(which))})
		if _, err := r.Send(ctx, e, "SENTINEL", "RESET", master); err != nil {
			return err
		}
		deadline := time.Now().Add(r.Options().ResetTimeout)
		why := ""
		_, err := r.WaitUntil(ctx, r.Options().PollInterval, deadline, func(f steps.Facts) (bool, error) {
			ok, w := ready(f, i)
			why = w
			progress(steps.Progress{Phase: "resetting " + name, Message: name + ": " + OrDone(w), Deadline: deadline,
				Fraction: float64(k) / float64(len(which))})
			return ok, nil
		})
		if errors.Is(err, steps.ErrDeadline) {
			return fmt.Errorf("%s has not settled %s after SENTINEL RESET: %s; check it before resetting the others", name, r.Options().ResetTimeout, why)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func OrDone(s string) string {
	if s == "" {
		return "settled"
	}
	return s
}

// waitNoFailover waits, on fresh polls, until no Sentinel runs a failover
// of the master, counting down to the latest failover-timeout, before
// what (a change to the topology) goes out. A SENTINEL RESET sent to the
// leader mid-failover puts it back on the old primary for good.
func waitNoFailover(ctx context.Context, r *steps.Runner, progress func(steps.Progress), what string) error {
	f := r.Facts(ctx)
	if !steps.AnyFailoverInProgress(f) {
		return nil
	}
	// Until the latest failover-timeout ends them, with a margin; a
	// failover whose start flyover did not see gets a whole timeout.
	var deadline time.Time
	for _, sw := range SentinelSwitches(f) {
		if sw.State != SwitchFinishing {
			continue
		}
		end := sw.Ends
		if end.IsZero() {
			end = time.Now().Add(steps.FailoverTimeout(f))
		}
		if end.After(deadline) {
			deadline = end
		}
	}
	deadline = deadline.Add(10 * time.Second)
	last, err := r.WaitUntil(ctx, r.Options().PollInterval, deadline, func(f steps.Facts) (bool, error) {
		if !steps.AnyFailoverInProgress(f) {
			return true, nil
		}
		progress(steps.Progress{Phase: "waiting for Sentinel", Message: what + " waits: " + switchPending(f), Deadline: deadline, Fraction: -1})
		return false, nil
	})
	if errors.Is(err, steps.ErrDeadline) {
		return fmt.Errorf("not sent (%s): a Sentinel is still in a failover of the master past its failover-timeout: %s; check it (SENTINEL MASTER) before going on", what, switchPending(last))
	}
	return err
}
