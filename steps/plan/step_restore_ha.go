package plan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/switchover"
)

// Step 10 (optional): restore HA. After the migration the new primary has
// no replica Sentinel can promote: the old Redis replicas never sync from
// Dragonfly. Each Dragonfly instance named by --new-replica is attached
// to the new primary (Dragonfly replicates from Dragonfly), fully synced,
// and waited for until every Sentinel lists it as a healthy replica it
// would promote.
var restoreHAStep = &steps.Step{
	ID:    steps.StepRestoreHA,
	Title: "Restore HA on Dragonfly",
	Why: "The old Redis replicas cannot follow Dragonfly, so after the switch Sentinel has no replica to promote if the new " +
		"primary fails. Each instance given with --new-replica is attached to the new primary (REPLICAOF; its data is replaced " +
		"by a full sync), and the step waits until every Sentinel lists it as a healthy replica it would promote (Sentinel reads " +
		"the primary's INFO every 10 s). Without --new-replica the step has nothing to do and says how many promotable replicas " +
		"the topology has now against before.",
	OnFailure: "If REPLICAOF is refused, the new replica cannot reach or authenticate to the new primary (masterauth, " +
		"--masteruser). If a Sentinel never lists it, the Sentinels cannot reach it at the address the primary lists " +
		"(--replica_announce_ip / --announce_port).",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.AttachTimeout + o.RegisterTimeout },
	PreFn:      restoreHAPre,
	PostFn:     restoreHAChecks,
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		return steps.StageOf(f) == steps.StagePromoted && restoreHADone(f, o)
	},
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command { return restoreHACommands(f, o) },
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		var cs []steps.Confirmation
		for _, c := range restoreHACommands(f, o) {
			cs = append(cs, steps.Confirmation{ID: "attach " + c.Addr, Kind: steps.ConfirmYesNo, Commands: []steps.Command{c},
				Prompt: "Attach " + c.Addr + " to the new primary as a replica? (REPLICAOF replaces its data with a full sync)"})
		}
		return cs
	},
	RunFn: runRestoreHA,
}

func restoreHAPre(f steps.Facts, o steps.Options) []steps.Check {
	return switchover.AfterSwitchPre(f, "restore-ha")
}

// newPrimary is the new primary's address as the Sentinels name it (what
// a new replica must follow), else the target's.
func newPrimary(f steps.Facts) string {
	if s := &f.Snapshot; s.SentinelsAgree && f.Topo.IsTarget(s.AgreedMaster) {
		return s.AgreedMaster
	}
	return f.Topo.Target
}

// newReplicaState judges one new replica from the facts: synced per the
// new primary's replica line (state=online; Dragonfly prints no offset=),
// and eligible per every Sentinel.
func newReplicaState(f steps.Facts, addr string) (ok bool, detail string) {
	line := primaryLists(f, addr)
	switch {
	case line == nil:
		return false, "the new primary does not list it: not attached"
	case !replicaLineSynced(*line):
		return false, "full sync: the new primary lists it as state=" + line.State
	}
	var waiting []string
	for i, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors {
			waiting = append(waiting, steps.EndpointLabel(i)+" does not answer")
			continue
		}
		r := v.Replica(addr)
		if r == nil {
			waiting = append(waiting, steps.EndpointLabel(i)+" does not list it yet (it reads the primary's INFO every 10 s)")
			continue
		}
		cand, skipped := v.PromotionCandidate()
		why := skipped[r.Addr()]
		if !(cand != nil && probe.SameAddr(cand.Addr(), r.Addr()) || strings.HasPrefix(why, "ranked lower")) {
			if why == "" {
				why = "not rated yet"
			}
			waiting = append(waiting, steps.EndpointLabel(i)+" would not promote it: "+why)
		}
	}
	if len(waiting) > 0 {
		return false, "synced; " + strings.Join(waiting, "; ")
	}
	return true, fmt.Sprintf("synced (state=%s), every Sentinel lists it and would promote it", line.State)
}

// primaryLists is the new primary's slaveN line for addr, or nil.
func primaryLists(f steps.Facts, addr string) *probe.ReplicaLine {
	for i := range f.Snapshot.Target.Replicas {
		if probe.SameAddr(f.Snapshot.Target.Replicas[i].Addr(), addr) {
			return &f.Snapshot.Target.Replicas[i]
		}
	}
	return nil
}

// replicaLineSynced: a primary's slaveN line says the replica streams.
// Redis and Dragonfly both print online; Dragonfly's own names for the
// phases are accepted too.
func replicaLineSynced(l probe.ReplicaLine) bool {
	return l.State == "online" || l.State == "stable_sync"
}

func restoreHAChecks(f steps.Facts, o steps.Options) []steps.Check {
	var cs []steps.Check
	for _, addr := range o.NewReplicas {
		id, title := "restore-ha-"+addr, "new replica "+addr+" is synced and promotable"
		if ok, d := newReplicaState(f, addr); ok {
			cs = append(cs, steps.PassCheck(id, title, d))
		} else {
			cs = append(cs, steps.WarnCheck(id, title, d))
		}
	}
	now, before, known := promotableCount(f)
	const id, title = "restore-ha-count", "as many promotable replicas as before"
	switch {
	case !known:
		cs = append(cs, steps.WarnCheck(id, title, fmt.Sprintf("%d now; this session did not see how many there were before the cutover", now)))
	case now >= before:
		cs = append(cs, steps.PassCheck(id, title, fmt.Sprintf("%d now, %d before", now, before)))
	default:
		cs = append(cs, steps.WarnCheck(id, title, fmt.Sprintf("%d now, %d before: HA is not what it was; attach more Dragonfly replicas with --new-replica", now, before)))
	}
	return cs
}

// promotableCount is how many replicas every Sentinel could promote now
// (the fewest any Sentinel could), and how many there were before the
// cutover besides the target, when this session saw it.
func promotableCount(f steps.Facts) (now, before int, known bool) {
	now = -1
	for _, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		n := promotableBy(f, &v, func(string) bool { return true })
		if now < 0 || n < now {
			now = n
		}
	}
	return max(now, 0), f.HA.PromotableBefore, f.HA.KnownBefore
}

func restoreHADone(f steps.Facts, o steps.Options) bool {
	for _, addr := range o.NewReplicas {
		if ok, _ := newReplicaState(f, addr); !ok {
			return false
		}
	}
	return true
}

// Failover says what happens if the new primary fails: how many replicas
// every Sentinel could promote, against before the cutover; ok is false
// when there are fewer than before, or none.
func Failover(f steps.Facts) (text string, ok bool) {
	now, before, known := promotableCount(f)
	text = "the new primary has " + plural(now, "1 promotable replica", "%d promotable replicas")
	switch {
	case !known:
		text += " (this session did not see how many there were before)"
	case now >= before:
		text += fmt.Sprintf(", as many as before (%d)", before)
	default:
		text += fmt.Sprintf(", %d fewer than before (%d): HA is not restored", before-now, before)
	}
	if now == 0 {
		text += "; if it fails, Sentinel has nothing to promote: attach Dragonfly replicas with --new-replica"
	}
	return text, now > 0 && (!known || now >= before)
}

func restoreHADoneReason(f steps.Facts, o steps.Options) string {
	count, _ := Failover(f)
	if len(o.NewReplicas) == 0 {
		return "nothing to attach (no --new-replica); " + count
	}
	return fmt.Sprintf("%s synced and promotable; %s", plural(len(o.NewReplicas), "the new replica is", "the %d new replicas are"), count)
}

// restoreHACommands attach each new replica the new primary does not
// list yet (one it lists is syncing or synced: REPLICAOF again would
// start over).
func restoreHACommands(f steps.Facts, o steps.Options) []steps.Command {
	h, p, _ := net.SplitHostPort(newPrimary(f))
	var cs []steps.Command
	for _, addr := range o.NewReplicas {
		if primaryLists(f, addr) != nil {
			continue
		}
		cs = append(cs, steps.Command{Endpoint: "new-replica", Addr: addr, Args: []string{"REPLICAOF", h, p},
			Note: "then its full sync, then every Sentinel must list it"})
	}
	return cs
}

func runRestoreHA(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	o := r.Options()
	if len(o.NewReplicas) > 0 && r.DialReplica == nil {
		return fmt.Errorf("flyover cannot reach the new replicas: run these yourself: %s", steps.CommandList(restoreHACommands(fresh, o)))
	}
	primary := newPrimary(fresh)
	h, p, _ := net.SplitHostPort(primary)
	for _, c := range restoreHACommands(f, o) {
		if err := attachNewReplica(ctx, r, c.Addr, h, p, progress); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(o.RegisterTimeout)
	last, err := r.WaitUntil(ctx, o.PollInterval, deadline, func(f steps.Facts) (bool, error) {
		ready := 0
		msg := ""
		for _, addr := range o.NewReplicas {
			if ok, d := newReplicaState(f, addr); ok {
				ready++
			} else if msg == "" {
				msg = addr + ": " + d
			}
		}
		progress(steps.Progress{Phase: "waiting for Sentinel", Deadline: deadline, Fraction: float64(ready) / float64(max(1, len(o.NewReplicas))),
			Message: fmt.Sprintf("%d of %d new replicas synced and promotable by every Sentinel; %s", ready, len(o.NewReplicas), switchover.OrDone(msg))})
		return ready == len(o.NewReplicas), nil
	})
	if errors.Is(err, steps.ErrDeadline) {
		var not []string
		for _, c := range restoreHAChecks(last, o) {
			if c.Level != steps.Pass && strings.HasPrefix(c.ID, "restore-ha-") && c.ID != "restore-ha-count" {
				not = append(not, c.Title+": "+c.Detail)
			}
		}
		return fmt.Errorf("after %s: %s", o.RegisterTimeout, strings.Join(not, "; "))
	}
	return err
}

// attachNewReplica sends REPLICAOF to one new replica (refusing to wipe
// one that holds data unless allowed) and follows its full sync until it
// streams. The sync has no deadline as such: it fails when nothing moves
// for SyncStallTimeout.
func attachNewReplica(ctx context.Context, r *steps.Runner, addr, host, port string, progress func(steps.Progress)) error {
	o := r.Options()
	e := r.DialReplica(addr)
	e.Label = "new-replica"
	defer e.Close()
	n := e.PollNode(ctx)
	if !n.Reachable {
		return fmt.Errorf("new replica %s: %s", addr, n.Error)
	}
	primary := net.JoinHostPort(host, port)
	if !n.Follows(primary) {
		if k := n.Keys(); k > 0 && !o.AllowNonemptyTarget {
			return fmt.Errorf("new replica %s holds %d keys and REPLICAOF replaces them: give an empty instance, or --allow-nonempty-target", addr, k)
		}
		progress(steps.Progress{Phase: "attaching " + addr, Message: "REPLICAOF " + host + " " + port + " on " + addr, Fraction: -1})
		if err := switchover.SendReplicaOf(ctx, r, e, host, port, "new primary", r.Prober.Target); err != nil {
			return err
		}
	}
	start, moved := time.Now(), time.Now()
	lastSig := ""
	for {
		n = e.PollNode(ctx)
		if n.Reachable && n.Follows(primary) && n.Synced() {
			r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: steps.StepOf(ctx), Endpoint: "new-replica", Addr: addr,
				Message: fmt.Sprintf("synced from %s in %s (%d keys)", primary, time.Since(start).Round(time.Millisecond), n.Keys())}, false)
			return nil
		}
		sig := fmt.Sprintf("%t %s %s %d %d %t", n.Reachable, n.LinkStatus, n.LinkState, n.SyncReadBytes, n.Keys(), n.Loading)
		if sig != lastSig {
			lastSig, moved = sig, time.Now()
		}
		state := n.LinkState
		if state == "" {
			state = "link " + n.LinkStatus
		}
		progress(steps.Progress{Phase: "full sync " + addr, Fraction: -1, Deadline: moved.Add(o.SyncStallTimeout),
			Message: fmt.Sprintf("%s: %s, %d keys so far (%s)", addr, state, n.Keys(), time.Since(start).Round(time.Second))})
		if time.Since(moved) > o.SyncStallTimeout {
			return fmt.Errorf("new replica %s: its full sync from %s has not moved for %s (%s): read its log", addr, primary, o.SyncStallTimeout, state)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped: %w", ctx.Err())
		case <-time.After(o.PollInterval):
		}
	}
}

// haReportLine is the report's line on HA: what became of the old Redis
// servers, and the promotable replicas now against before.
func haReportLine(f steps.Facts, o steps.Options) string {
	if steps.StageOf(f) != steps.StagePromoted {
		return ""
	}
	return decommissionDoneReason(f, o) + "; " + restoreHADoneReason(f, o)
}
