package plan

import (
	"context"
	"fmt"
	"time"

	"flyover/steps"
	"flyover/steps/switchover"
)

// The way back before the cutover; not in the plan (Checklist.CanAbort).
var abortStep = &steps.Step{
	ID:    steps.StepAbort,
	Title: "Abort",
	Why: "Before the cutover everything can go back to how it was: lift a pause left on the source, and optionally detach the " +
		"target (REPLICAOF NO ONE) and reset the Sentinels one at a time so they forget it. The target keeps the data it copied.",
	OnFailure: "Read which command failed; each can be sent again.",
	PreFn:     abortPre,
	CommandsFn: func(f steps.Facts, o steps.Options) []steps.Command {
		return append(abortCommands(f, true), restorePriorityCommands(f)...)
	},
	ConfirmFn: func(f steps.Facts, o steps.Options) []steps.Confirmation {
		cs := []steps.Confirmation{{ID: "abort", Kind: steps.ConfirmYesNo, Commands: abortCommands(f, false),
			Prompt: "Abort: lift any pause on the source?"}}
		if steps.Attached(f) {
			cs = append(cs, steps.Confirmation{ID: "detach", Kind: steps.ConfirmYesNo, Optional: true,
				Commands: abortCommands(f, true)[1:],
				Prompt:   "Also detach the target and reset the Sentinels so they forget it? (n leaves it replicating)"})
		}
		if rc := restorePriorityCommands(f); len(rc) > 0 { // step_priority.go
			cs = append(cs, steps.Confirmation{ID: "restore-priorities", Kind: steps.ConfirmYesNo, Optional: true, Commands: rc,
				Prompt: "Also put back the other replicas' priorities, which step 6 set to 0? (n leaves them at 0: Sentinel will not promote them)"})
		}
		return append(cs, steps.BufferRestoreConfirmations(f)...) // fullsync_guard.go
	},
	RunFn: runAbort,
}

func abortPre(f steps.Facts, o steps.Options) []steps.Check {
	if steps.AfterCutover(f) {
		return []steps.Check{steps.BlockCheck("abort-before-cutover", "the failover has not happened",
			"the Sentinels name the target", "there is no way back by replication: finish the cutover")}
	}
	return nil
}

func abortCommands(f steps.Facts, detach bool) []steps.Command {
	var cs []steps.Command
	if f.Snapshot.Source.Capabilities().Unpause {
		cs = append(cs, steps.Command{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"CLIENT", "UNPAUSE"}})
	}
	if detach {
		cs = append(cs, steps.Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", "NO", "ONE"}})
		cs = append(cs, switchover.ResetCommands(f)...)
	}
	return cs
}

func runAbort(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	if r.Prober.Source.Capabilities().Unpause { // as the last poll that answered read it
		progress(steps.Progress{Phase: "unpausing", Message: "CLIENT UNPAUSE on the source", Fraction: -1})
		if _, err := r.SendMust(ctx, r.Prober.Source, "CLIENT", "UNPAUSE"); err != nil {
			return fmt.Errorf("could not unpause the source: %w", err)
		}
	} // else: no CLIENT UNPAUSE on this version (Redis 6.0); a pause there lifts by itself

	if err := steps.RunBufferRestore(ctx, r, a, progress); err != nil { // fullsync_guard.go
		return err
	}
	if steps.IsYes(a["restore-priorities"]) {
		if err := restorePriorities(ctx, r, fresh, progress); err != nil { // step_priority.go
			return err
		}
	}
	if !steps.Attached(fresh) || !steps.IsYes(a["detach"]) {
		return nil
	}
	progress(steps.Progress{Phase: "detaching", Message: "REPLICAOF NO ONE on the target", Fraction: -1})
	if err := switchover.SendReplicaOf(ctx, r, r.Prober.Target, "NO", "ONE", "", nil); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	if _, err := r.WaitUntil(ctx, 200*time.Millisecond, deadline, func(f steps.Facts) (bool, error) {
		return !f.Snapshot.Link.FollowsSource && !f.Snapshot.Link.ListedBySource, nil
	}); err != nil {
		return fmt.Errorf("the target still follows the source after REPLICAOF NO ONE: %w", err)
	}
	// Sentinel would turn a known replica that reports master back into a
	// replica: make every Sentinel forget the target.
	return switchover.ResetSentinels(ctx, r, progress, func(f steps.Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !steps.IsSource(f, v.MasterAddr) {
			return false, "names " + v.MasterAddr
		}
		if v.KnowsTarget {
			return false, "still lists the target"
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		if len(v.Replicas) < len(steps.OtherReplicas(f)) {
			return false, "has not found the other replicas again"
		}
		return true, ""
	})
}
