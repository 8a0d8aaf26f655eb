package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps/auditlog"
)

// Step 9: the old Redis servers go (the old primary and every other
// Redis replica), and the Sentinels forget them.
var decommissionStep = &Step{
	ID:    StepDecommission,
	Title: "Decommission the old Redis",
	Why: "Sentinel keeps the old primary and every other Redis replica as replicas of the new primary, and with Dragonfly as " +
		"primary they never sync: each keeps serving the data it had at the switch to any client that reads from it. Shut each " +
		"down (or leave it to you, with the commands to run), then SENTINEL RESET on each Sentinel, one at a time, so they forget " +
		"them.",
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
		var cs []Command
		for _, n := range oldRedisServers(f, o) {
			if !n.Down {
				cs = append(cs, shutdownCommand(n))
			}
		}
		return append(cs, resetCommands(f)...)
	},
	confirm: func(f Facts, o Options) []Confirmation {
		var cs []Confirmation
		for _, n := range oldRedisServers(f, o) {
			if n.Down {
				continue
			}
			what := "the old Redis at " + n.Addr
			if !n.Primary {
				what = "the old Redis replica at " + n.Addr + " (" + staleLine(f, n) + ")"
			}
			cs = append(cs, Confirmation{ID: shutdownID(n), Kind: ConfirmYesNo, Optional: true, Commands: []Command{shutdownCommand(n)},
				Prompt: "Shut " + what + " down now? (n leaves it running for you to stop)"})
		}
		cs = append(cs, Confirmation{ID: "reset", Kind: ConfirmYesNo, Commands: resetCommands(f),
			Prompt: fmt.Sprintf("Reset the %d Sentinels one at a time so they forget the old Redis servers?", len(f.Snapshot.Sentinels))})
		return cs
	},
	run: runDecommission,
}

func decommissionPre(f Facts, o Options) []Check { return afterSwitchPre(f, "decommission") }

// cutoverDonePre is the precondition of a step after the cutover, as the
// check id: the cutover is done.
func cutoverDonePre(f Facts, id string) []Check {
	if StageOf(f) != StagePromoted {
		return []Check{block(id, "the cutover is done", string(StageOf(f)), "run the cutover")}
	}
	return nil
}

// decommissionChecks are a line per old Redis server (stopped, left to
// the operator with its commands, or what it serves now), and whether
// the Sentinels have forgotten those that are gone.
func decommissionChecks(f Facts, o Options) []Check {
	var cs []Check
	var listed []string
	for _, n := range oldRedisServers(f, o) {
		id, title := "decommission-"+n.Addr, "the old Redis "+n.Addr+" is stopped"
		if n.Primary {
			id, title = "decommission-old", "the old Redis is stopped"
		}
		switch {
		case n.Down:
			cs = append(cs, pass(id, title, "it does not answer"))
		case n.Fate == FateLeft || n.Primary && f.LeftOldPrimary:
			cs = append(cs, pass(id, title, "left running for you: "+leftCommands(f, n.Addr)))
		default:
			c := warn(id, title, n.label()+": "+staleLine(f, n))
			c.FixCommands = []Command{shutdownCommand(n)}
			cs = append(cs, c)
		}
		left := n.Fate == FateLeft || n.Primary && f.LeftOldPrimary
		if len(n.Listed) > 0 && !(left && f.Decommissioned) {
			listed = append(listed, n.Addr+" ("+joinLabels(n.Listed)+")")
		}
	}
	switch {
	case len(listed) == 0 && f.Decommissioned:
		cs = append(cs, pass("decommission-forgotten", "no Sentinel lists the old Redis", "reset done; a server left running may be found again"))
	case len(listed) == 0:
		cs = append(cs, pass("decommission-forgotten", "no Sentinel lists the old Redis", ""))
	default:
		cs = append(cs, warn("decommission-forgotten", "no Sentinel lists the old Redis", "still listed: "+strings.Join(listed, "; ")))
	}
	return cs
}

func decommissionDoneReason(f Facts, o Options) string {
	nodes := oldRedisServers(f, o)
	if len(nodes) == 1 {
		if f.LeftOldPrimary {
			return "the old Redis is left to the operator; the Sentinels were reset"
		}
		return "the old Redis is gone and no Sentinel lists it"
	}
	var gone, left []string
	for _, n := range nodes {
		if n.Fate == FateLeft || n.Primary && f.LeftOldPrimary {
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

func shutdownCommand(n oldRedis) Command {
	ep := "source"
	if !n.Primary {
		ep = "replica"
	}
	return Command{Endpoint: ep, Addr: n.Addr, Args: []string{"SHUTDOWN"}}
}

func runDecommission(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error {
	nodes := oldRedisServers(f, r.Options())
	shutSource := false
	var gone []string
	for _, n := range nodes {
		if n.Down {
			gone = append(gone, n.Addr)
			continue
		}
		if !isYes(a[shutdownID(n)]) {
			r.Session.setFate(n.Addr, FateLeft)
			r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: stepOf(ctx), Addr: n.Addr, Message: n.label() + " left running for the operator: " + leftCommands(f, n.Addr)}, true)
			continue
		}
		progress(Progress{Phase: "shutting down", Message: "SHUTDOWN on " + n.label(), Fraction: -1})
		var err error
		if n.Primary {
			err = r.shutdownSource(ctx)
			shutSource = err == nil
		} else {
			err = r.shutdownReplica(ctx, n.Addr)
		}
		if err != nil {
			return err
		}
		r.Session.setFate(n.Addr, FateShutDown)
		gone = append(gone, n.Addr)
	}
	err := r.resetSentinels(ctx, progress, func(f Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !recordSwitched(f, &v) {
			return false, "its own record names " + v.RecordAddr
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		for _, rep := range v.Replicas {
			for _, g := range gone {
				if probe.SameAddr(rep.Addr(), g) || g == f.Topo.Source && isSource(f, rep.Addr()) {
					return false, "still lists the old Redis " + g
				}
			}
		}
		return true, ""
	})
	if err != nil {
		return err
	}
	r.Session.setDecommissioned(f.Snapshot.Source.Reachable && !shutSource)
	return nil
}

// shutdownSource sends SHUTDOWN to the old primary and waits until it no
// longer answers.
func (r *Runner) shutdownSource(ctx context.Context) error {
	if _, err := r.SendWithin(ctx, r.Prober.Source, 30*time.Second, false, "SHUTDOWN"); err != nil && !connectionClosed(err) {
		return fmt.Errorf("the old Redis refused to shut down: %w (stop it yourself, then run this step again and answer n)", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	if _, err := r.WaitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
		return !f.Snapshot.Source.Reachable, nil
	}); err != nil {
		return fmt.Errorf("the old Redis still answers after SHUTDOWN: stop it yourself: %w", err)
	}
	return nil
}

// shutdownReplica sends SHUTDOWN to another old Redis replica and checks,
// with a PING or a few, that it no longer answers.
func (r *Runner) shutdownReplica(ctx context.Context, addr string) error {
	if r.DialReplica == nil {
		return fmt.Errorf("flyover cannot reach the old replica %s: stop it yourself (%s), then run this step again and answer n", addr, "SHUTDOWN")
	}
	e := r.DialReplica(addr)
	defer e.Close()
	if _, err := r.SendWithin(ctx, e, 30*time.Second, false, "SHUTDOWN"); err != nil && !connectionClosed(err) {
		return fmt.Errorf("the old replica %s refused to shut down: %w (stop it yourself, then run this step again and answer n)", addr, err)
	}
	for range 25 {
		if _, err := r.Send(ctx, e, "PING"); err != nil && ReplyCode(err) == "" {
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
