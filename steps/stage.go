package steps

import "flyover/probe"

// Stage is where the migration stands, read off the live topology.
type Stage string

const (
	StageUnknown   Stage = "unknown"   // the target does not answer: cannot tell
	StageDetached  Stage = "detached"  // the target does not follow the source
	StageSyncing   Stage = "syncing"   // the target follows the source; full sync under way
	StageStreaming Stage = "streaming" // the target follows the source and streams
	StagePromoting Stage = "promoting" // some Sentinels name the target, not yet a majority
	StagePromoted  Stage = "promoted"  // a majority of Sentinels name the target
)

// StageOf derives the stage from the topology alone.
func StageOf(f Facts) Stage {
	s := &f.Snapshot
	if targetIsSource(f) {
		// Every Sentinel "names the target": nothing about the stage can
		// be told, and preflight blocks.
		return StageUnknown
	}
	n := targetNaming(f)
	switch {
	case n >= majority(f):
		return StagePromoted
	case n > 0:
		return StagePromoting
	case s.Target.Reachable && s.Target.Role == probe.RolePrimary && anyFailoverInProgress(f):
		return StagePromoting
	case s.Link.FollowsSource && s.Link.Phase == probe.PhaseOnline:
		return StageStreaming
	case s.Link.FollowsSource:
		return StageSyncing
	case !s.Target.Reachable:
		return StageUnknown
	}
	return StageDetached
}

func afterCutover(f Facts) bool {
	st := StageOf(f)
	return st == StagePromoting || st == StagePromoted
}

func attached(f Facts) bool {
	st := StageOf(f)
	return st == StageSyncing || st == StageStreaming || afterCutover(f)
}

// majority is how many Sentinels make a majority of those configured.
func majority(f Facts) int { return len(f.Snapshot.Sentinels)/2 + 1 }

func targetNaming(f Facts) int {
	n := 0
	for _, v := range f.Snapshot.Sentinels {
		if v.Reachable && v.Monitors && v.MasterAddr != "" && f.Topo.IsTarget(v.MasterAddr) {
			n++
		}
	}
	return n
}

func anyFailoverInProgress(f Facts) bool {
	for i := range f.Snapshot.Sentinels {
		if f.Snapshot.Sentinels[i].FailoverInProgress() {
			return true
		}
	}
	return false
}
