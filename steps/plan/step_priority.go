package plan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/checks"
)

// Step 6: only the target can be promoted. Every other replica of the
// source gets replica-priority 0, so that SENTINEL FAILOVER can pick only
// the target. This is the one mechanism for "another replica would win":
// it does not depend on offsets or run ids, and abort puts each old value
// back.
var priorityStep = &steps.Step{
	ID:    steps.StepPriority,
	Title: "Only the target can be promoted",
	Why: "Sentinel promotes the replica it rates best: lowest priority number, then highest offset, then lowest run id. A Redis " +
		"replica promoted instead of the target would leave the data on Redis and the target following it. Priority 0 takes a " +
		"replica out of Sentinel's choice: it still replicates and serves reads. After the cutover Sentinel points the other " +
		"replicas at the target, and a Redis replica never syncs from Dragonfly: each keeps the data it had at the switch until " +
		"the decommission step. Abort puts back each replica's old priority.",
	OnFailure: "If a replica refuses CONFIG SET, its user lacks +config|set: set replica-priority 0 on it yourself. If a Sentinel " +
		"keeps listing the old priority, it has not read the replica's INFO yet (every 10 s).",
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.RegisterTimeout },
	PreFn:      priorityPre,
	PostFn:     func(f steps.Facts, o steps.Options) []steps.Check { return priorityChecks(f) },
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		return steps.AfterCutover(f) || steps.StageOf(f) == steps.StageStreaming && priorityDone(f)
	},
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command { return priorityCommands(f) },
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		cmds := priorityCommands(f)
		if len(cmds) == 0 {
			return nil
		}
		return []steps.Confirmation{{ID: "priority-zero", Kind: steps.ConfirmYesNo, Commands: cmds,
			Prompt: fmt.Sprintf("Set replica-priority 0 on %s so that Sentinel can promote only the target? (abort restores the old values)",
				plural(len(cmds), "the other replica", "the %d other replicas"))}}
	},
	RunFn: runPriority,
}

func priorityPre(f steps.Facts, o steps.Options) []steps.Check {
	if steps.AfterCutover(f) {
		return nil
	}
	if steps.StageOf(f) != steps.StageStreaming {
		return []steps.Check{steps.BlockCheck("priority-streaming", "the target streams", "the target is "+string(steps.StageOf(f)), "complete the steps before")}
	}
	return nil
}

// otherReplica is one other replica of the source as the Sentinels see it.
type otherReplica struct {
	Addr string
	// Priorities are the priorities the Sentinels list, by Sentinel label.
	Priorities map[string]int
	// Down: every Sentinel that lists it flags it down.
	Down bool
}

// maxPriority is the highest priority a Sentinel lists, or -1 when no
// Sentinel lists the replica.
func (r otherReplica) maxPriority() int {
	p := -1
	for _, v := range r.Priorities {
		p = max(p, v)
	}
	return p
}

func otherReplicaViews(f steps.Facts) []otherReplica {
	var out []otherReplica
	for _, addr := range steps.OtherReplicas(f) {
		o := otherReplica{Addr: addr, Priorities: map[string]int{}}
		listed, down := 0, 0
		for i, v := range f.Snapshot.Sentinels {
			if !v.Reachable || !v.Monitors {
				continue
			}
			if r := v.Replica(addr); r != nil {
				o.Priorities[steps.EndpointLabel(i)] = r.Priority
				listed++
				if r.Down() {
					down++
				}
			}
		}
		o.Down = listed > 0 && down == listed
		out = append(out, o)
	}
	return out
}

// fateBeforeCutover says what happens to another replica, and why.
func fateBeforeCutover(f steps.Facts) string {
	return "after the cutover Sentinel points it at the target, and a Redis replica never syncs from Dragonfly: it keeps " +
		"serving the data it had at the switch until the decommission step shuts it down or leaves it to you"
}

// priorityChecks are a line per other replica: its priority as each
// Sentinel lists it, and what will happen to it.
func priorityChecks(f steps.Facts) []steps.Check {
	var cs []steps.Check
	for _, r := range otherReplicaViews(f) {
		id, title := "priority-"+r.Addr, "replica "+r.Addr+" cannot be promoted"
		var c steps.Check
		switch p := r.maxPriority(); {
		case r.Down:
			c = steps.PassCheck(id, title, "Sentinel sees it down and does not promote it; if it comes back before the cutover, this step sets its priority to 0")
		case p == 0:
			c = steps.PassCheck(id, title, "priority 0 on every Sentinel")
		case p < 0:
			c = steps.WarnCheck(id, title, "no Sentinel lists it yet: its priority is unknown to Sentinel")
		default:
			c = steps.WarnCheck(id, title, fmt.Sprintf("priority %s: Sentinel could promote it instead of the target", prioritiesText(r.Priorities)))
			c.Fix = "set replica-priority 0 on it (this step)"
			c.FixCommands = []steps.Command{priorityZero(r.Addr, p)}
		}
		c.Detail += "; " + fateBeforeCutover(f)
		if reads := checks.ReplicaReadsNote(f, r.Addr); reads != "" {
			c.Detail += "; " + reads
		}
		cs = append(cs, c)
	}
	return cs
}

// priorityBlocks are the replicas that could still be promoted instead of
// the target, as blocks for the cutover's precondition.
func priorityBlocks(f steps.Facts) []steps.Check {
	return steps.AsBlocks(priorityChecks(f), "wait for the Sentinels to list it, then set replica-priority 0 on it")
}

func priorityDone(f steps.Facts) bool {
	if steps.AnyNotPass(priorityChecks(f)) {
		return false
	}
	for _, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors || !v.WouldPromoteTarget {
			return false
		}
	}
	return true
}

func priorityDoneReason(f steps.Facts) string {
	if steps.AfterCutover(f) {
		return "the cutover has happened"
	}
	n := len(steps.OtherReplicas(f))
	if n == 0 {
		return "the source has no other replica: Sentinel can promote only the target"
	}
	return fmt.Sprintf("%s at priority 0: Sentinel can promote only the target", plural(n, "the other replica is", "the %d other replicas are"))
}

func prioritiesText(ps map[string]int) string {
	vals := map[int][]string{}
	for who, p := range ps {
		vals[p] = append(vals[p], who)
	}
	if len(vals) == 1 {
		for p := range vals {
			return strconv.Itoa(p)
		}
	}
	var parts []string
	for p, who := range vals {
		sort.Strings(who)
		parts = append(parts, fmt.Sprintf("%d (%s)", p, strings.Join(who, ", ")))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func priorityZero(addr string, now int) steps.Command {
	note := "abort restores the old value"
	if now >= 0 {
		note = fmt.Sprintf("priority %d now; abort restores it", now)
	}
	return steps.Command{Endpoint: "replica", Addr: addr, Args: []string{"CONFIG", "SET", "replica-priority", "0"}, Note: note}
}

// priorityCommands set priority 0 on every other replica that a Sentinel
// lists above 0, or that no Sentinel lists yet; not on one it sees down.
func priorityCommands(f steps.Facts) []steps.Command {
	var cs []steps.Command
	for _, r := range otherReplicaViews(f) {
		if p := r.maxPriority(); !r.Down && p != 0 {
			cs = append(cs, priorityZero(r.Addr, p))
		}
	}
	return cs
}

// promotableOthers is how many replicas besides the target some Sentinel
// could promote now (the most any Sentinel could).
func promotableOthers(f steps.Facts) int {
	best := 0
	for _, v := range f.Snapshot.Sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		best = max(best, promotableBy(f, &v, func(addr string) bool { return !f.Topo.IsTarget(addr) }))
	}
	return best
}

// promotableBy counts the replicas v lists, among those keep accepts,
// that v could promote: the candidate and those only ranked lower.
func promotableBy(f steps.Facts, v *probe.SentinelView, keep func(addr string) bool) int {
	cand, skipped := v.PromotionCandidate()
	n := 0
	for _, r := range v.Replicas {
		if !keep(r.Addr()) {
			continue
		}
		if cand != nil && probe.SameAddr(cand.Addr(), r.Addr()) || strings.HasPrefix(skipped[r.Addr()], "ranked lower") {
			n++
		}
	}
	return n
}

func runPriority(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	r.Session.RecordBefore(steps.OtherReplicas(fresh), promotableOthers(fresh))
	cmds := priorityCommands(f)
	if len(cmds) > 0 && steps.IsYes(a["priority-zero"]) {
		if r.DialReplica == nil {
			return fmt.Errorf("flyover cannot reach the other replicas: run these yourself: %s", steps.CommandList(cmds))
		}
		for i, c := range cmds {
			progress(steps.Progress{Phase: "setting priorities", Message: c.Addr + ": CONFIG SET replica-priority 0", Fraction: float64(i) / float64(len(cmds))})
			if err := setPriorityZero(ctx, r, c.Addr); err != nil {
				return err
			}
		}
	}
	last, err := waitForSentinels(ctx, r, progress, "other replicas at priority 0 on every Sentinel", priorityChecks,
		func(c steps.Check) string { return "replica " + strings.TrimPrefix(c.ID, "priority-") }, priorityDone)
	if errors.Is(err, steps.ErrDeadline) {
		not := steps.WaitingOn(priorityChecks(last))
		for i, v := range last.Snapshot.Sentinels {
			if v.Reachable && v.Monitors && !v.WouldPromoteTarget {
				not = append(not, fmt.Sprintf("%s would promote %q, not the target", steps.EndpointLabel(i), v.WouldPromote))
			}
		}
		return fmt.Errorf("after %s (Sentinel reads each replica's INFO every 10 s): %s", r.Options().RegisterTimeout, strings.Join(not, "; "))
	}
	return err
}

// setPriorityZero reads a replica's priority (recorded in the session and
// the audit log, for abort) and sets it to 0.
func setPriorityZero(ctx context.Context, r *steps.Runner, addr string) error {
	e := r.DialReplica(addr)
	defer e.Close()
	reply, err := r.Send(ctx, e, "CONFIG", "GET", "replica-priority")
	if err != nil {
		return err
	}
	v, ok := readiness.ConfigReply(reply, "replica-priority")
	old, perr := strconv.Atoi(v)
	if !ok || perr != nil {
		return fmt.Errorf("replica %s: CONFIG GET replica-priority answered %v: not changing a priority flyover cannot restore", addr, reply)
	}
	if old != 0 {
		r.Session.RecordOldPriority(addr, old)
		r.NotePriority(ctx, steps.PhasePrioritySaved, steps.PriorityRecord{Replica: addr, Old: old},
			fmt.Sprintf("replica-priority was %d; abort restores it", old))
	}
	_, err = r.Send(ctx, e, "CONFIG", "SET", "replica-priority", "0")
	return err
}

// restorePriorityCommands put back what this session replaced with 0.
func restorePriorityCommands(f steps.Facts) []steps.Command {
	var cs []steps.Command
	for _, a := range slices.Sorted(maps.Keys(f.HA.OldPriorities)) {
		cs = append(cs, steps.Command{Endpoint: "replica", Addr: a, Args: []string{"CONFIG", "SET", "replica-priority", strconv.Itoa(f.HA.OldPriorities[a])},
			Note: "its priority before flyover set 0; skipped if it is no longer 0"})
	}
	return cs
}

// restorePriorities sends restorePriorityCommands, each only where the
// replica is still at 0 (someone may have changed it since).
func restorePriorities(ctx context.Context, r *steps.Runner, f steps.Facts, progress func(steps.Progress)) error {
	cmds := restorePriorityCommands(f)
	if len(cmds) > 0 && r.DialReplica == nil {
		return fmt.Errorf("flyover cannot reach the other replicas: run these yourself: %s", steps.CommandList(cmds))
	}
	var errs []error
	for _, c := range cmds {
		progress(steps.Progress{Phase: "restoring priorities", Message: c.Addr + ": CONFIG SET replica-priority " + c.Args[3], Fraction: -1})
		e := r.DialReplica(c.Addr)
		reply, err := r.Send(ctx, e, "CONFIG", "GET", "replica-priority")
		if err == nil {
			if v, _ := readiness.ConfigReply(reply, "replica-priority"); v != "0" {
				r.NotePriority(ctx, steps.PhasePriorityRestored, steps.PriorityRecord{Replica: c.Addr},
					"replica-priority is "+v+", not the 0 flyover set: left as it is")
				r.Session.ForgetOldPriority(c.Addr)
				e.Close()
				continue
			}
			_, err = r.Send(ctx, e, "CONFIG", "SET", "replica-priority", c.Args[3])
		}
		e.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("replica %s: put back replica-priority %s yourself: %w", c.Addr, c.Args[3], err))
			continue
		}
		r.NotePriority(ctx, steps.PhasePriorityRestored, steps.PriorityRecord{Replica: c.Addr}, "replica-priority put back to "+c.Args[3])
		r.Session.ForgetOldPriority(c.Addr)
	}
	return errors.Join(errs...)
}

// plural is one when n is 1, else many with n in it.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}
