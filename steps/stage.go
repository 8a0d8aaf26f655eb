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
	// StagePromotedUnannounced: the target reports master and no
	// Sentinel names it: the Sentinel that ran the failover stopped before
	// the others heard of it (stage_unannounced.go).
	StagePromotedUnannounced Stage = "promoted-unannounced"
)

// StageOf derives the stage from the topology alone.
func StageOf(f Facts) Stage {
	s := &f.Snapshot
	if TargetIsSource(f) {
		// Every Sentinel "names the target": nothing about the stage can
		// be told, and preflight blocks.
		return StageUnknown
	}
	n := TargetNaming(f)
	switch {
	case n >= s.Majority():
		return StagePromoted
	case n > 0:
		return StagePromoting
	case s.Target.Reachable && s.Target.Role == probe.RolePrimary && AnyFailoverInProgress(f):
		return StagePromoting
	case promotedUnannounced(f):
		return StagePromotedUnannounced
	case s.Link.FollowsSource && s.Link.Phase == probe.PhaseOnline:
		return StageStreaming
	case s.Link.FollowsSource:
		return StageSyncing
	case !s.Target.Reachable:
		return StageUnknown
	}
	return StageDetached
}

func AfterCutover(f Facts) bool {
	st := StageOf(f)
	return st == StagePromoting || st == StagePromoted || st == StagePromotedUnannounced
}

func Attached(f Facts) bool {
	st := StageOf(f)
	return st == StageSyncing || st == StageStreaming || AfterCutover(f)
}

// TargetNaming is how many Sentinels name the target: probe's count, for
// the address they name it by (the source's listing of it, which need not
// be the address flyover was given).
func TargetNaming(f Facts) int {
	for _, v := range f.Snapshot.Sentinels {
		if v.Reachable && v.Monitors && f.Topo.IsTarget(v.MasterAddr) {
			return f.Snapshot.SentinelsNaming(v.MasterAddr)
		}
	}
	return 0
}

func AnyFailoverInProgress(f Facts) bool {
	for i := range f.Snapshot.Sentinels {
		if f.Snapshot.Sentinels[i].FailoverInProgress() {
			return true
		}
	}
	return false
}
