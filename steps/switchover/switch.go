package switchover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/steps"
	"flyover/steps/checks"
)

// Whether the switch to the target is done is judged by each Sentinel's
// own master record (SENTINEL MASTER ip, port, flags), never by
// GET-MASTER-ADDR-BY-NAME alone: the Sentinel that runs the failover
// answers GET-MASTER-ADDR-BY-NAME with the promoted replica while its own
// record is still the old primary, and it keeps that record until its
// failover ends. With old Redis replicas that never sync from Dragonfly,
// that is failover-timeout after the promotion; a SENTINEL RESET in that
// window puts it back on the old primary for good (issue: a Sentinel
// naming a dead primary after the decommission).

// SwitchState is where one Sentinel stands in the switch to the target.
type SwitchState string

const (
	// SwitchDone: its own record names the target, no failover in progress.
	SwitchDone SwitchState = "switched"
	// SwitchFinishing: it runs the failover; its record changes when the
	// failover ends (every replica reconfigured or down, or failover-timeout).
	SwitchFinishing SwitchState = "finishing its failover"
	// SwitchBehind: it names another address with an older config epoch
	// than the Sentinels that switched: it takes their record as soon as it
	// hears one of them (a hello on any instance they share).
	SwitchBehind SwitchState = "not switched yet"
	// SwitchStuck: it names another address, runs no failover, and its
	// config epoch is not older than theirs: it never takes their record
	// by itself (a SENTINEL RESET during the leader's failover does this).
	SwitchStuck SwitchState = "stuck on an old primary"
	// SwitchUnknown: it does not answer, or does not monitor the master.
	SwitchUnknown SwitchState = "not answering"
)

// SentinelSwitch is one Sentinel's place in the switch.
type SentinelSwitch struct {
	Index  int
	Label  string
	Addr   string
	State  SwitchState
	Record string // the address of its own master record
	Epoch  int64
	// FailoverState is Sentinel's failover-state while SwitchFinishing.
	FailoverState string
	// Ends is when failover-timeout ends its failover at the latest
	// (SwitchFinishing while it reconfigures replicas); zero when flyover
	// cannot tell.
	Ends time.Time
	// Waits are the replicas it has not reconfigured (SwitchFinishing):
	// old Redis replicas that never sync from Dragonfly, so it waits for
	// them until they are down or failover-timeout passes.
	Waits []string
	// RecordDown: SwitchStuck on an address that does not answer.
	RecordDown bool
}

// SentinelSwitches says where each Sentinel stands in the switch to the
// target. Only meaningful after the cutover.
func SentinelSwitches(f steps.Facts) []SentinelSwitch {
	s := &f.Snapshot
	var switchedEpoch int64 = -1
	for i := range s.Sentinels {
		v := &s.Sentinels[i]
		if RecordSwitched(f, v) {
			switchedEpoch = max(switchedEpoch, v.ConfigEpoch)
		}
	}
	out := make([]SentinelSwitch, len(s.Sentinels))
	for i := range s.Sentinels {
		v := &s.Sentinels[i]
		sw := SentinelSwitch{Index: i, Label: steps.EndpointLabel(i), Addr: v.Addr, Record: v.RecordAddr, Epoch: v.ConfigEpoch}
		switch {
		case !v.Reachable || !v.Monitors:
			sw.State = SwitchUnknown
		case v.FailoverInProgress():
			sw.State, sw.FailoverState = SwitchFinishing, v.FailoverState
			sw.Ends = failoverEnds(f, v)
			// As sentinelFailoverDetectEnd counts them: every replica
			// not promoted, not reconfigured and not seen down, whether
			// it was sent its SLAVEOF yet or waits its turn
			// (parallel-syncs).
			for _, r := range v.Replicas {
				done := slices.Contains(r.Flags, "promoted") || slices.Contains(r.Flags, "reconf_done") || slices.Contains(r.Flags, "s_down")
				if !done && !f.Topo.IsTarget(r.Addr()) {
					sw.Waits = append(sw.Waits, r.Addr())
				}
			}
		case RecordSwitched(f, v):
			sw.State = SwitchDone
		case switchedEpoch >= 0 && v.ConfigEpoch >= switchedEpoch:
			sw.State = SwitchStuck
			sw.RecordDown = v.MasterDown() || slices.Contains(v.MasterFlags, "disconnected")
		default:
			sw.State = SwitchBehind
		}
		out[i] = sw
	}
	return out
}

// RecordSwitched is probe's derived SwitchedTo the target: the snapshot
// carries it, so status --json judges the switch as the steps do.
func RecordSwitched(f steps.Facts, v *probe.SentinelView) bool { return v.SwitchedToTarget }

// SentinelsSwitched counts the Sentinels whose own record names the
// target with no failover in progress.
func SentinelsSwitched(f steps.Facts) int {
	n := 0
	for i := range f.Snapshot.Sentinels {
		if RecordSwitched(f, &f.Snapshot.Sentinels[i]) {
			n++
		}
	}
	return n
}

// SwitchComplete reports whether the switch is done as clients and
// Sentinel will go on seeing it: the target is a primary and every
// Sentinel's own record names it, none of them in a failover. Verify,
// the header, status --json, the fleet row and the report all judge the
// switch by this.
func SwitchComplete(f steps.Facts) bool {
	s := &f.Snapshot
	return len(s.Sentinels) > 0 && s.Target.Reachable && s.Target.Role == probe.RolePrimary && SentinelsSwitched(f) == len(s.Sentinels)
}

// failoverEnds is when failover-timeout ends v's failover at the latest:
// Sentinel counts it from the moment it starts reconfiguring replicas,
// which is when the target was promoted. This session saw that moment
// (the cutover's promotion, the +failover-state-reconf-slaves event, or
// the first poll that showed it); zero when it saw none of them.
func failoverEnds(f steps.Facts, v *probe.SentinelView) time.Time {
	if v.FailoverState != "reconf_slaves" || v.FailoverTimeout <= 0 {
		return time.Time{}
	}
	since := f.FailoverSince[v.Addr]
	if c := f.Cutover; c != nil && !c.PromotedAt.IsZero() && (since.IsZero() || c.PromotedAt.Before(since)) &&
		(since.IsZero() || since.Sub(c.PromotedAt) < v.FailoverTimeout) {
		since = c.PromotedAt
	}
	if since.IsZero() {
		return time.Time{}
	}
	return since.Add(v.FailoverTimeout)
}

// SentinelsSettled reports whether no Sentinel runs a failover of the
// master: nothing that changes the topology (a SENTINEL RESET, a
// shutdown, a REPLICAOF) may go out before.
func SentinelsSettled(f steps.Facts) bool { return !steps.AnyFailoverInProgress(f) }

// Describe is the switch state of one Sentinel in plain words, with the
// countdown (to the snapshot's time) to its failover-timeout and what
// ends it sooner.
func (sw SentinelSwitch) Describe(f steps.Facts) string {
	now := f.Snapshot.At
	switch sw.State {
	case SwitchDone:
		return sw.Label + " switched (its own record names the target)"
	case SwitchFinishing:
		msg := sw.Label + " is still in its failover"
		if sw.FailoverState != "" {
			msg += " (" + strings.ReplaceAll(sw.FailoverState, "_", "-") + ")"
		}
		if !sw.Ends.IsZero() {
			msg += ": failover-timeout ends it at " + sw.Ends.Format(time.TimeOnly) + " (" + countdown(sw.Ends, now) + ")"
		} else {
			msg += ": failover-timeout ends it"
		}
		var up, gone []string
		for _, w := range sw.Waits {
			if f.HA.Fates[w] == steps.FateShutDown {
				gone = append(gone, w)
			} else {
				up = append(up, w)
			}
		}
		da := fmt.Sprintf("%g s", steps.DownAfter(f).Seconds())
		switch {
		case len(up) > 0:
			msg += ", or " + da + " (down-after-milliseconds) after the old replicas it waits for are shut down: " +
				strings.Join(up, ", ") + " (they never resync from Dragonfly)"
		case len(gone) > 0:
			msg += ", or sooner: the old replicas it waited for are shut down (" + strings.Join(gone, ", ") +
				"); it ends once it sees them down (down-after-milliseconds, " + da + ")"
		}
		return msg
	case SwitchBehind:
		return fmt.Sprintf("%s still names %s (config epoch %d, older than the switched Sentinels'): it takes the new record when it hears them",
			sw.Label, sw.Record, sw.Epoch)
	case SwitchStuck:
		down := ""
		if sw.RecordDown {
			down = ", which is down"
		}
		return fmt.Sprintf("%s names %s%s with the same config epoch (%d) as the switched Sentinels and no failover: it never converges by itself; "+
			"every client that asks it is sent there", sw.Label, sw.Record, down, sw.Epoch)
	}
	return sw.Label + " does not answer: its record is unknown"
}

// countdown is "52 s left", or "due now" once past.
func countdown(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return "due now"
	}
	return strconv.Itoa(int(d.Seconds())) + " s left"
}

// switchPending describes every Sentinel that has not switched, one
// clause each; "" when all have.
func switchPending(f steps.Facts) string {
	var parts []string
	for _, sw := range SentinelSwitches(f) {
		if sw.State != SwitchDone {
			parts = append(parts, sw.Describe(f))
		}
	}
	return strings.Join(parts, "; ")
}

// AfterSwitchPre is the precondition of a step that changes the topology
// after the cutover (the decommission, restore HA): the cutover is done,
// and every Sentinel that answers has switched. id prefixes the checks.
func AfterSwitchPre(f steps.Facts, id string) []steps.Check {
	if cs := CutoverDonePre(f, id+"-promoted"); cs != nil {
		return cs
	}
	return sentinelsSettledPre(f, id+"-settled")
}

// sentinelsSettledPre blocks a step that changes the topology after the
// cutover while a Sentinel that answers is still in a failover of the
// master or has not switched: a SENTINEL RESET sent to the leader then
// puts it back on the old primary for good. A Sentinel that does not
// answer is left to the step's own commands, which say so.
func sentinelsSettledPre(f steps.Facts, id string) []steps.Check {
	var pending []string
	for _, sw := range SentinelSwitches(f) {
		if sw.State != SwitchDone && sw.State != SwitchUnknown {
			pending = append(pending, sw.Describe(f))
		}
	}
	if len(pending) == 0 {
		return nil
	}
	return []steps.Check{steps.BlockCheck(id, "every Sentinel has switched to the target", strings.Join(pending, "; "),
		"wait for the countdown, or shut down the old Redis replicas the leader waits for (Verify offers it); nothing is sent before")}
}

// sentinelRepair is what brings a stuck Sentinel back onto the target:
// it forgets the master (SENTINEL REMOVE), monitors the target as the
// switched Sentinels know it (SENTINEL MONITOR), and takes their settings
// again (SENTINEL SET). It then finds the replicas and the other Sentinels
// through the target's INFO and hello channel, as any new Sentinel does.
type sentinelRepair struct {
	Index    int
	Label    string
	Commands []steps.Command
	// Auth: the SENTINEL SET carries auth-pass (shown redacted; flyover
	// sends its own credentials for the target).
	Auth bool
}

// RepairID is the confirmation id of a stuck Sentinel's repair.
func RepairID(Label string) string { return "repair " + Label }

// StuckSentinelRepairs are the repairs of every SwitchStuck Sentinel,
// built from a switched Sentinel's record; none when no Sentinel has
// switched (then there is nothing to copy).
func StuckSentinelRepairs(f steps.Facts) []sentinelRepair {
	switches := SentinelSwitches(f)
	var good *probe.SentinelView
	for _, sw := range switches {
		if sw.State == SwitchDone {
			good = &f.Snapshot.Sentinels[sw.Index]
			break
		}
	}
	if good == nil {
		return nil
	}
	host, port, err := net.SplitHostPort(good.RecordAddr)
	if err != nil {
		return nil
	}
	name := f.Topo.MasterName
	auth := f.Preflight != nil && f.Preflight.Source.RequiresPassword
	var out []sentinelRepair
	for _, sw := range switches {
		if sw.State != SwitchStuck {
			continue
		}
		v := &f.Snapshot.Sentinels[sw.Index]
		quorum := good.Quorum
		if quorum <= 0 {
			quorum = v.Quorum
		}
		set := []string{"SENTINEL", "SET", name,
			"down-after-milliseconds", strconv.FormatInt(good.DownAfter.Milliseconds(), 10),
			"failover-timeout", strconv.FormatInt(good.FailoverTimeout.Milliseconds(), 10)}
		if good.ParallelSyncs > 0 {
			set = append(set, "parallel-syncs", strconv.Itoa(good.ParallelSyncs))
		}
		if auth {
			set = append(set, "auth-pass", steps.Redacted)
		}
		note := "the switched Sentinels' settings"
		if auth {
			note += "; auth-pass is flyover's password for the target"
		}
		ep := sw.Label
		out = append(out, sentinelRepair{Index: sw.Index, Label: sw.Label, Auth: auth, Commands: []steps.Command{
			{Endpoint: ep, Addr: v.Addr, Args: []string{"SENTINEL", "REMOVE", name}, Note: "it forgets " + sw.Record},
			{Endpoint: ep, Addr: v.Addr, Args: []string{"SENTINEL", "MONITOR", name, host, port, strconv.Itoa(quorum)},
				Note: "the target, as the switched Sentinels know it"},
			{Endpoint: ep, Addr: v.Addr, Args: set, Note: note},
		}})
	}
	return out
}

// SentinelRecord is the address of Sentinel i's own record.
func SentinelRecord(f steps.Facts, i int) string {
	if i < len(f.Snapshot.Sentinels) {
		return f.Snapshot.Sentinels[i].RecordAddr
	}
	return ""
}

// ReplicasHoldingTheFailover are the old Redis replicas, still up, that a
// Sentinel in its failover is waiting for: they never sync from
// Dragonfly. Sentinel counts a replica it sees down as reconfigured
// (sentinelFailoverDetectEnd skips S_DOWN replicas), so shutting them
// down ends the failover down-after-milliseconds later, normally: the
// leader publishes +failover-end and switches its own record to the
// target. Nothing else changes.
func ReplicasHoldingTheFailover(f steps.Facts, o steps.Options) []checks.OldRedis {
	waits := map[string]bool{}
	for _, sw := range SentinelSwitches(f) {
		for _, w := range sw.Waits {
			waits[w] = true
		}
	}
	if len(waits) == 0 {
		return nil
	}
	var out []checks.OldRedis
	for _, n := range checks.OldRedisServers(f, o) {
		if n.Primary || n.Down {
			continue
		}
		for w := range waits {
			if probe.SameAddr(w, n.Addr) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// RepairSentinel sends a stuck Sentinel's repair and waits, bounded,
// until its own record names the target and it knows the others again.
func RepairSentinel(ctx context.Context, r *steps.Runner, rep sentinelRepair, progress func(steps.Progress)) error {
	if rep.Index >= len(r.Prober.Sentinels) {
		return fmt.Errorf("%s is not one of flyover's Sentinels", rep.Label)
	}
	e := r.Prober.Sentinels[rep.Index]
	if err := waitNoFailover(ctx, r, progress, "the repair of "+rep.Label); err != nil {
		return err
	}
	progress(steps.Progress{Phase: "repairing " + rep.Label, Message: "SENTINEL REMOVE, MONITOR, SET on " + rep.Label, Fraction: -1})
	for i, c := range rep.Commands {
		args := append([]string(nil), c.Args...)
		if rep.Auth && i == len(rep.Commands)-1 {
			o := r.Prober.Target.Client().Options()
			for j := range args {
				if args[j] == steps.Redacted && j > 0 && args[j-1] == "auth-pass" {
					args[j] = o.Password
				}
			}
			if o.Username != "" && o.Username != "default" {
				args = append(args, "auth-user", o.Username)
			}
		}
		if _, err := r.Send(ctx, e, access.AnyArgs(nil, args)...); err != nil {
			return fmt.Errorf("%s refused %s: %w (the commands left: %s)", rep.Label, strings.Join(steps.RedactArgs(args), " "), err, steps.CommandList(rep.Commands[i:]))
		}
	}
	others := len(r.Prober.Sentinels) - 1
	deadline := time.Now().Add(r.Options().ResetTimeout)
	_, err := r.WaitUntil(ctx, r.Options().PollInterval, deadline, func(f steps.Facts) (bool, error) {
		v := &f.Snapshot.Sentinels[rep.Index]
		ok := RecordSwitched(f, v) && v.NumOtherSentinels >= others
		progress(steps.Progress{Phase: "repairing " + rep.Label, Deadline: deadline, Fraction: -1,
			Message: fmt.Sprintf("%s: record %s, knows %d of the %d other Sentinels", rep.Label, v.RecordAddr, v.NumOtherSentinels, others)})
		return ok, nil
	})
	if errors.Is(err, steps.ErrDeadline) {
		return fmt.Errorf("%s was repaired but has not found the other Sentinels within %s: check its network and their announce addresses", rep.Label, r.Options().ResetTimeout)
	}
	return err
}

// SwitchReportLine is the report's word on the switch, by each
// Sentinel's own record.
func SwitchReportLine(f steps.Facts) string {
	n, m := SentinelsSwitched(f), len(f.Snapshot.Sentinels)
	if SwitchComplete(f) {
		return fmt.Sprintf("Switch complete: every Sentinel's own record names the target (%d of %d), none in a failover.", n, m)
	}
	return fmt.Sprintf("**Switch not complete**: %d of %d Sentinels switched; %s.", n, m, switchPending(f))
}

// CutoverDonePre is the precondition of a step after the cutover, as the
// check id: the cutover is done.
func CutoverDonePre(f steps.Facts, id string) []steps.Check {
	if steps.StageOf(f) != steps.StagePromoted {
		return []steps.Check{steps.BlockCheck(id, "the cutover is done", string(steps.StageOf(f)), "run the cutover")}
	}
	return nil
}
