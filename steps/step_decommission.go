package steps

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Step 8: the old Redis goes, and the Sentinels forget it.
var decommissionStep = &Step{
	ID:    StepDecommission,
	Title: "Decommission the old Redis",
	Why: "Sentinel keeps the old primary as a replica of the new one, and with Dragonfly as primary it never syncs. Shut it down " +
		"(or leave that to you), then SENTINEL RESET on each Sentinel, one at a time, so they forget it and every stale replica.",
	OnFailure: "If a Sentinel does not find the others again after its reset, check its network and the others' announce addresses; " +
		"reset the next one only once it has.",
	deadline: func(f Facts, o Options) time.Duration {
		return 15*time.Second + time.Duration(len(f.Snapshot.Sentinels))*o.ResetTimeout
	},
	pre:  decommissionPre,
	post: decommissionChecks,
	done: func(f Facts, o Options) bool {
		return StageOf(f) == StagePromoted && !anyNotPass(decommissionChecks(f, o))
	},
	commands: func(f Facts, o Options) []Command {
		return append(shutdownCommands(f), resetCommands(f)...)
	},
	confirm: func(f Facts, o Options) []Confirmation {
		var cs []Confirmation
		if f.Snapshot.Source.Reachable {
			cs = append(cs, Confirmation{ID: "shutdown", Kind: ConfirmYesNo, Optional: true, Commands: shutdownCommands(f),
				Prompt: "Shut the old Redis at " + f.Topo.Source + " down now? (n leaves it running for you to stop)"})
		}
		cs = append(cs, Confirmation{ID: "reset", Kind: ConfirmYesNo, Commands: resetCommands(f),
			Prompt: fmt.Sprintf("Reset the %d Sentinels one at a time so they forget the old primary?", len(f.Snapshot.Sentinels))})
		return cs
	},
	run: runDecommission,
}

func decommissionPre(f Facts, o Options) []Check {
	if StageOf(f) != StagePromoted {
		return []Check{block("decommission-promoted", "the cutover is done", string(StageOf(f)), "run the cutover")}
	}
	return nil
}

func decommissionChecks(f Facts, o Options) []Check {
	var cs []Check
	s := &f.Snapshot
	switch {
	case !s.Source.Reachable:
		cs = append(cs, pass("decommission-old", "the old Redis is stopped", "it does not answer"))
	case f.LeftOldPrimary:
		cs = append(cs, pass("decommission-old", "the old Redis is stopped", "left running for the operator to stop"))
	default:
		cs = append(cs, warn("decommission-old", "the old Redis is stopped", "it still runs, as "+string(s.Source.Role)))
	}
	var listing []string
	for i, v := range s.Sentinels {
		for _, r := range v.Replicas {
			if isSource(f, r.Addr()) {
				listing = append(listing, endpointLabel(i))
				break
			}
		}
	}
	switch {
	case len(listing) == 0:
		cs = append(cs, pass("decommission-forgotten", "no Sentinel lists the old Redis", ""))
	case f.LeftOldPrimary && f.Decommissioned:
		cs = append(cs, pass("decommission-forgotten", "no Sentinel lists the old Redis", "reset done; "+strings.Join(listing, ", ")+" found it again, since it still runs"))
	default:
		cs = append(cs, warn("decommission-forgotten", "no Sentinel lists the old Redis", strings.Join(listing, ", ")+" still list it"))
	}
	return cs
}

func shutdownCommands(f Facts) []Command {
	return []Command{{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"SHUTDOWN"}}}
}

func runDecommission(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	if _, err := r.recheck(ctx, decommissionPre); err != nil {
		return err
	}
	shutdown := f.Snapshot.Source.Reachable && isYes(a["shutdown"])
	if shutdown {
		progress(Progress{Phase: "shutting down", Message: "SHUTDOWN on the old Redis", Fraction: -1})
		if _, err := r.send(ctx, r.Prober.Source, 30*time.Second, false, "SHUTDOWN"); err != nil && !connectionClosed(err) {
			return fmt.Errorf("the old Redis refused to shut down: %w (stop it yourself, then run this step again and answer n)", err)
		}
		deadline := time.Now().Add(15 * time.Second)
		if _, err := r.waitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
			return !f.Snapshot.Source.Reachable, nil
		}); err != nil {
			return fmt.Errorf("the old Redis still answers after SHUTDOWN: stop it yourself: %w", err)
		}
	}
	oldAddr := f.Topo.Source
	err := r.resetSentinels(ctx, progress, func(f Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !f.Topo.IsTarget(v.MasterAddr) {
			return false, "names " + v.MasterAddr
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		if shutdown {
			for _, rep := range v.Replicas {
				if isSource(f, rep.Addr()) {
					return false, "still lists the old Redis " + oldAddr
				}
			}
		}
		return true, ""
	})
	if err != nil {
		return err
	}
	r.Session.setDecommissioned(!shutdown)
	return nil
}
