package steps

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func resetCommands(f Facts) []Command {
	var cs []Command
	for i, v := range f.Snapshot.Sentinels {
		cs = append(cs, Command{Endpoint: endpointLabel(i), Addr: v.Addr, Args: []string{"SENTINEL", "RESET", f.Topo.MasterName},
			Note: "then wait until it knows the other Sentinels again"})
	}
	return cs
}

// resetSentinels sends SENTINEL RESET to each Sentinel in turn and waits,
// before the next, until ready says it has settled: resetting them all at
// once would leave no Sentinel able to fail over for a while.
func (r *Runner) resetSentinels(ctx context.Context, progress func(Progress), ready func(f Facts, i int) (bool, string)) error {
	master := r.Prober.Topo.MasterName
	for i, e := range r.Prober.Sentinels {
		name := endpointLabel(i)
		progress(Progress{Phase: "resetting " + name, Message: "SENTINEL RESET " + master + " on " + name,
			Fraction: float64(i) / float64(len(r.Prober.Sentinels))})
		if _, err := r.Send(ctx, e, "SENTINEL", "RESET", master); err != nil {
			return err
		}
		deadline := time.Now().Add(r.opts().ResetTimeout)
		why := ""
		_, err := r.waitUntil(ctx, r.opts().PollInterval, deadline, func(f Facts) (bool, error) {
			ok, w := ready(f, i)
			why = w
			progress(Progress{Phase: "resetting " + name, Message: name + ": " + orDone(w), Deadline: deadline,
				Fraction: float64(i) / float64(len(r.Prober.Sentinels))})
			return ok, nil
		})
		if errors.Is(err, errDeadline) {
			return fmt.Errorf("%s has not settled %s after SENTINEL RESET: %s; check it before resetting the others", name, r.opts().ResetTimeout, why)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func orDone(s string) string {
	if s == "" {
		return "settled"
	}
	return s
}
