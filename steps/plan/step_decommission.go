package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
)

// Step 9: the old Redis servers go (the old primary and every other
// Redis replica), and the Sentinels forget them.
var decommissionStep = &steps.Step{
	ID:    steps.StepDecommission,
	Title: "Decommission the old Redis",
	Why: "Sentinel keeps the old primary and every other Redis replica as replicas of the new primary, and with Dragonfly as " +
		"primary they never sync: each keeps serving the data it had at the switch to any client that reads from it. Shut each " +
		"down (or leave it to you, with the commands to run), then SENTINEL RESET on each Sentinel, one at a time, so they forget " +
		"them.",
	OnFailure: "If a Sentinel does not find the others again after its reset, check its network and the others' announce addresses; " +
		"reset the next one only once it has.",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration {
		return 15*time.Second + time.Duration(len(f.Snapshot.Sentinels))*o.ResetTimeout
	},
	PreFn:  decommissionPre,
	PostFn: decommissionChecks,
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		return steps.StageOf(f) == steps.StagePromoted && !steps.AnyNotPass(decommissionChecks(f, o))
	},
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command {
		var cs []steps.Command
		for _, c := range steps.BufferRestoreConfirmations(f) { // fullsync_guard.go
			for _, cmd := range c.Commands {
				cmd.Note = "if you answer y to putting the limit back"
				cs = append(cs, cmd)
			}
		}
		for _, n := range checks.OldRedisServers(f, o) {
			if !n.Down {
				cs = append(cs, shutdownCommand(n))
			}
		}
		return append(cs, switchover.ResetCommands(f)...)
	},
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		// The limit flyover raised for the full sync goes back first, on
		// an old primary that still answers (one that is shut down
		// forgets it: CONFIG SET is not saved).
		var cs []steps.Confirmation
		if f.Snapshot.Source.Reachable {
			cs = steps.BufferRestoreConfirmations(f)
		}
		for _, n := range checks.OldRedisServers(f, o) {
			if n.Down {
				continue
			}
			what := "the old Redis at " + n.Addr
			if !n.Primary {
				what = "the old Redis replica at " + n.Addr + " (" + checks.StaleLine(f, n) + ")"
			}
			cs = append(cs, steps.Confirmation{ID: checks.ShutdownID(n), Kind: steps.ConfirmYesNo, Optional: true, Commands: []steps.Command{shutdownCommand(n)},
				Prompt: "Shut " + what + " down now? (n leaves it running for you to stop)"})
		}
		cs = append(cs, steps.Confirmation{ID: "reset", Kind: steps.ConfirmYesNo, Commands: switchover.ResetCommands(f),
			Prompt: fmt.Sprintf("Reset the %d Sentinels one at a time so they forget the old Redis servers?", len(f.Snapshot.Sentinels))})
		return cs
	},
	RunFn: runDecommission,
}

func decommissionPre(f steps.Facts, o steps.Options) []steps.Check {
	return switchover.AfterSwitchPre(f, "decommission")
}

// decommissionChecks are a line per old Redis server (stopped, left to
// the operator with its commands, or what it serves now), and whether
// the Sentinels have forgotten those that are gone.
func decommissionChecks(f steps.Facts, o steps.Options) []steps.Check {
	var cs []steps.Check
	var listed []string
	for _, n := range checks.OldRedisServers(f, o) {
		id, title := "decommission-"+n.Addr, "the old Redis "+n.Addr+" is stopped"
		if n.Primary {
			id, title = "decommission-old", "the old Redis is stopped"
		}
		switch {
		case n.Down:
			cs = append(cs, steps.PassCheck(id, title, "it does not answer"))
		case n.Fate == steps.FateLeft || n.Primary && f.LeftOldPrimary:
			cs = append(cs, steps.PassCheck(id, title, "left running for you: "+checks.LeftCommands(f, n.Addr)))
		default:
			c := steps.WarnCheck(id, title, n.Label()+": "+checks.StaleLine(f, n))
			c.FixCommands = []steps.Command{shutdownCommand(n)}
			cs = append(cs, c)
		}
		left := n.Fate == steps.FateLeft || n.Primary && f.LeftOldPrimary
		if len(n.Listed) > 0 && !(left && f.Decommissioned) {
			listed = append(listed, n.Addr+" ("+checks.JoinLabels(n.Listed)+")")
		}
	}
	switch {
	case len(listed) == 0 && f.Decommissioned:
		cs = append(cs, steps.PassCheck("decommission-forgotten", "no Sentinel lists the old Redis", "reset done; a server left running may be found again"))
	case len(listed) == 0:
		cs = append(cs, steps.PassCheck("decommission-forgotten", "no Sentinel lists the old Redis", ""))
	default:
		cs = append(cs, steps.WarnCheck("decommission-forgotten", "no Sentinel lists the old Redis", "still listed: "+strings.Join(listed, "; ")))
	}
	return cs
}

func decommissionDoneReason(f steps.Facts, o steps.Options) string {
	nodes := checks.OldRedisServers(f, o)
	if len(nodes) == 1 {
		if f.LeftOldPrimary {
			return "the old Redis is left to the operator; the Sentinels were reset"
		}
		return "the old Redis is gone and no Sentinel lists it"
	}
	var gone, left []string
	for _, n := range nodes {
		if n.Fate == steps.FateLeft || n.Primary && f.LeftOldPrimary {
			left = append(left, n.Addr)
		} else {
			gone = append(gone, n.Addr)
		}
	}
	msg := fmt.Sprintf("%d old Redis servers: %s gone", len(nodes), plural(len(gone), "1", "%d"))
	if len(left) > 0 {
		msg += fmt.Sprintf(", %s left to the operator (%s)", plural(len(left), "1", "%d"), strings.Join(left, ", "))
	}
	return msg + "; no Sentinel lists those that are gone"
}

func shutdownCommand(n checks.OldRedis) steps.Command {
	ep := "source"
	if !n.Primary {
		ep = "replica"
	}
	return steps.Command{Endpoint: ep, Addr: n.Addr, Args: []string{"SHUTDOWN"}}
}

func runDecommission(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	if err := steps.RunBufferRestore(ctx, r, a, progress); err != nil { // fullsync_guard.go
		return err
	}
	nodes := checks.OldRedisServers(f, r.Options())
	shutSource := false
	var gone []string
	for _, n := range nodes {
		if n.Down {
			gone = append(gone, n.Addr)
			continue
		}
		if !steps.IsYes(a[checks.ShutdownID(n)]) {
			r.Session.SetFate(n.Addr, steps.FateLeft)
			r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: steps.StepOf(ctx), Addr: n.Addr, Message: n.Label() + " left running for the operator: " + checks.LeftCommands(f, n.Addr)}, true)
			continue
		}
		progress(steps.Progress{Phase: "shutting down", Message: "SHUTDOWN on " + n.Label(), Fraction: -1})
		var err error
		if n.Primary {
			err = shutdownSource(ctx, r)
			shutSource = err == nil
		} else {
			err = shutdownReplica(ctx, r, n.Addr)
		}
		if err != nil {
			return err
		}
		r.Session.SetFate(n.Addr, steps.FateShutDown)
		gone = append(gone, n.Addr)
	}
	err := switchover.ResetSentinels(ctx, r, progress, func(f steps.Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !switchover.RecordSwitched(f, &v) {
			return false, "its own record names " + v.RecordAddr
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		for _, rep := range v.Replicas {
			for _, g := range gone {
				if probe.SameAddr(rep.Addr(), g) || g == f.Topo.Source && steps.IsSource(f, rep.Addr()) {
					return false, "still lists the old Redis " + g
				}
			}
		}
		return true, ""
	})
	if err != nil {
		return err
	}
	r.Session.SetDecommissioned(f.Snapshot.Source.Reachable && !shutSource)
	return nil
}

// shutdownSource sends SHUTDOWN to the old primary and waits until it no
// longer answers.
func shutdownSource(ctx context.Context, r *steps.Runner) error {
	if _, err := r.SendWithin(ctx, r.Prober.Source, 30*time.Second, false, "SHUTDOWN"); err != nil && !steps.ConnectionClosed(err) {
		return fmt.Errorf("the old Redis refused to shut down: %w (stop it yourself, then run this step again and answer n)", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	if _, err := r.WaitUntil(ctx, 200*time.Millisecond, deadline, func(f steps.Facts) (bool, error) {
		return !f.Snapshot.Source.Reachable, nil
	}); err != nil {
		return fmt.Errorf("the old Redis still answers after SHUTDOWN: stop it yourself: %w", err)
	}
	return nil
}

// shutdownReplica sends SHUTDOWN to another old Redis replica and checks,
// with a PING or a few, that it no longer answers.
func shutdownReplica(ctx context.Context, r *steps.Runner, addr string) error {
	if r.DialReplica == nil {
		return fmt.Errorf("flyover cannot reach the old replica %s: stop it yourself (%s), then run this step again and answer n", addr, "SHUTDOWN")
	}
	e := r.DialReplica(addr)
	defer e.Close()
	if _, err := r.SendWithin(ctx, e, 30*time.Second, false, "SHUTDOWN"); err != nil && !steps.ConnectionClosed(err) {
		return fmt.Errorf("the old replica %s refused to shut down: %w (stop it yourself, then run this step again and answer n)", addr, err)
	}
	for range 25 {
		if _, err := r.Send(ctx, e, "PING"); err != nil && steps.ReplyCode(err) == "" {
			return nil // no answer at all: it is gone
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("the old replica %s still answers after SHUTDOWN: stop it yourself", addr)
}
