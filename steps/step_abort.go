package steps

import (
	"context"
	"fmt"
	"time"
)

// The way back before the cutover; not in the plan (Checklist.CanAbort).
var abortStep = &Step{
	ID:    StepAbort,
	Title: "Abort",
	Why: "Before the cutover everything can go back to how it was: lift a pause left on the source, and optionally detach the " +
		"target (REPLICAOF NO ONE) and reset the Sentinels one at a time so they forget it. The target keeps the data it copied.",
	OnFailure: "Read which command failed; each can be sent again.",
	pre:       abortPre,
	commands: func(f Facts, o Options) []Command {
		return append(abortCommands(f, true), restorePriorityCommands(f)...)
	},
	confirm: func(f Facts, o Options) []Confirmation {
		cs := []Confirmation{{ID: "abort", Kind: ConfirmYesNo, Commands: abortCommands(f, false),
			Prompt: "Abort: lift any pause on the source?"}}
		if attached(f) {
			cs = append(cs, Confirmation{ID: "detach", Kind: ConfirmYesNo, Optional: true,
				Commands: abortCommands(f, true)[1:],
				Prompt:   "Also detach the target and reset the Sentinels so they forget it? (n leaves it replicating)"})
		}
		if rc := restorePriorityCommands(f); len(rc) > 0 { // step_priority.go
			cs = append(cs, Confirmation{ID: "restore-priorities", Kind: ConfirmYesNo, Optional: true, Commands: rc,
				Prompt: "Also put back the other replicas' priorities, which step 6 set to 0? (n leaves them at 0: Sentinel will not promote them)"})
		}
		return append(cs, bufferRestoreConfirmations(f)...) // fullsync_guard.go
	},
	run: runAbort,
}

func abortPre(f Facts, o Options) []Check {
	if afterCutover(f) {
		return []Check{block("abort-before-cutover", "the failover has not happened",
			"the Sentinels name the target", "there is no way back by replication: finish the cutover")}
	}
	return nil
}

func abortCommands(f Facts, detach bool) []Command {
	var cs []Command
	if f.Snapshot.Source.Capabilities().Unpause {
		cs = append(cs, Command{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"CLIENT", "UNPAUSE"}})
	}
	if detach {
		cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", "NO", "ONE"}})
		cs = append(cs, resetCommands(f)...)
	}
	return cs
}

func runAbort(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error {
	if r.Prober.Source.Capabilities().Unpause { // as the last poll that answered read it
		progress(Progress{Phase: "unpausing", Message: "CLIENT UNPAUSE on the source", Fraction: -1})
		if _, err := r.SendMust(ctx, r.Prober.Source, "CLIENT", "UNPAUSE"); err != nil {
			return fmt.Errorf("could not unpause the source: %w", err)
		}
	} // else: no CLIENT UNPAUSE on this version (Redis 6.0); a pause there lifts by itself

	if err := runBufferRestore(ctx, r, a, progress); err != nil { // fullsync_guard.go
		return err
	}
	if isYes(a["restore-priorities"]) {
		if err := r.restorePriorities(ctx, fresh, progress); err != nil { // step_priority.go
			return err
		}
	}
	if !attached(fresh) || !isYes(a["detach"]) {
		return nil
	}
	progress(Progress{Phase: "detaching", Message: "REPLICAOF NO ONE on the target", Fraction: -1})
	if err := r.sendReplicaOf(ctx, r.Prober.Target, "NO", "ONE", "", nil); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	if _, err := r.WaitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
		return !f.Snapshot.Link.FollowsSource && !f.Snapshot.Link.ListedBySource, nil
	}); err != nil {
		return fmt.Errorf("the target still follows the source after REPLICAOF NO ONE: %w", err)
	}
	// Sentinel would turn a known replica that reports master back into a
	// replica: make every Sentinel forget the target.
	return r.resetSentinels(ctx, progress, func(f Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !isSource(f, v.MasterAddr) {
			return false, "names " + v.MasterAddr
		}
		if v.KnowsTarget {
			return false, "still lists the target"
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		if len(v.Replicas) < len(OtherReplicas(f)) {
			return false, "has not found the other replicas again"
		}
		return true, ""
	})
}
