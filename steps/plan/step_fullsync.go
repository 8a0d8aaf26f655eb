package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/switchover"
)

// Step 3: watch the full sync until the target streams.
var fullSyncStep = &steps.Step{
	Watches: true,
	ID:      steps.StepFullSync,
	Title:   "Full sync",
	Why: "The source forks, streams a snapshot to the target, and the target loads it; then the link streams every write. " +
		"Nothing to do but watch: the wait has no fixed deadline, since it takes what the data takes, but it gives up " +
		"when nothing moves for two minutes. Dragonfly says the link is up before it is synced; flyover waits for the real thing.",
	OnFailure: "Read the target's and the source's logs (memory? output buffer limits? the link dropping?). " +
		"The target stays attached; the abort path detaches it. When the source drops the sync a second time, flyover " +
		"stops it itself (REPLICAOF NO ONE on the target, SENTINEL RESET on the Sentinels that list it so none sends it back) " +
		"instead of letting the source fork again, and says the fix.",
	PreFn: func(f steps.Facts, o steps.Options) []steps.Check {
		if !steps.Attached(f) {
			return []steps.Check{steps.BlockCheck("sync-attached", "the target follows the source", "it does not", "run the attach step")}
		}
		return nil
	},
	PostFn: func(f steps.Facts, o steps.Options) []steps.Check {
		if f.Snapshot.Link.Phase == probe.PhaseOnline {
			return []steps.Check{steps.PassCheck("sync-online", "the target streams", "online")}
		}
		return []steps.Check{steps.WarnCheck("sync-online", "the target streams", string(f.Snapshot.Link.Phase))}
	},
	DoneFn: func(f steps.Facts, o steps.Options) bool {
		st := steps.StageOf(f)
		return st == steps.StageStreaming || steps.AfterCutover(f)
	},
	DeadlineFn: func(f steps.Facts, o steps.Options) time.Duration { return o.SyncStallTimeout },
	RunFn:      runFullSync,
}

func runFullSync(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	// Progress is judged on the target's side only: the source's offset
	// moves with every application write, and counting it would keep a
	// sync that can never finish (no masterauth, no route back) waiting
	// forever. Dragonfly reports no transfer bytes, but its keys arrive as
	// it streams; Redis reports bytes read, then bytes loaded.
	type mark struct {
		phase   probe.Phase
		read    int64
		loading bool
		loaded  int64
		keys    int64
	}
	var last mark
	moved := time.Now()
	_, err := r.WaitUntil(ctx, r.Options().PollInterval, time.Time{}, func(f steps.Facts) (bool, error) {
		st := steps.StageOf(f)
		if st == steps.StageStreaming || steps.AfterCutover(f) {
			progress(steps.Progress{Phase: string(probe.PhaseOnline), Message: "the target streams from the source", Fraction: 1})
			return true, nil
		}
		if !steps.Attached(f) {
			if tg := &f.Snapshot.Target; !tg.Reachable && tg.Slow && last.phase != "" && time.Since(moved) <= r.Options().SyncStallTimeout {
				// A Redis replica loading a large snapshot answers between
				// chunks only, often later than a poll's deadline: busy, not
				// gone (a dead one refuses the connection). The stall
				// deadline still bounds it.
				progress(steps.Progress{Phase: string(last.phase), Message: "the target is busy loading the snapshot: no answer within the poll's deadline (" + tg.Addr + ")",
					Fraction: f.Snapshot.Link.Progress, Deadline: moved.Add(r.Options().SyncStallTimeout)})
				return false, nil
			}
			if !f.Snapshot.Target.Reachable {
				return false, fmt.Errorf("the target stopped answering during the full sync (%s): bring it back, then run the attach step again "+
					"(a restarted target starts a new full sync), or abort; nothing else changed", f.Snapshot.Target.Error)
			}
			return false, fmt.Errorf("the target no longer follows the source (it is %s, %s): read its log, then attach again or abort; nothing else changed",
				st, f.Snapshot.Target.Role)
		}
		if f.Snapshot.FullSync.Restarts() >= steps.MaxSyncRestarts {
			return false, switchover.StopTheLoop(ctx, r, f, progress) // before the source forks again (steps/switchover/fullsync_hold.go)
		}
		l := &f.Snapshot.Link
		tg := &f.Snapshot.Target
		m := mark{l.Phase, tg.SyncReadBytes, tg.Loading, tg.Info.Int("loading_loaded_bytes"), tg.Keys()}
		if m != last {
			last, moved = m, time.Now()
		} else if time.Since(moved) > r.Options().SyncStallTimeout {
			why := "read the source's and the target's logs"
			if l.Phase == probe.PhaseHandshake {
				why = "a target that cannot authenticate to the source (masterauth/masteruser) or cannot reach it stays here: " +
					"read the target's log, then abort (detach) or fix it and attach again"
			}
			return false, fmt.Errorf("the full sync has not moved for %s (%s): %s", r.Options().SyncStallTimeout, l.Phase, why)
		}
		progress(steps.Progress{Phase: string(l.Phase), Message: syncProgress(f), Fraction: l.Progress, Deadline: moved.Add(r.Options().SyncStallTimeout)})
		if steps.SyncInTrouble(f) {
			if lf, stop := watchClosely(ctx, r, f.Snapshot.At.Add(r.Options().PollInterval)); stop {
				return false, switchover.StopTheLoop(ctx, r, lf, progress)
			}
		}
		return false, nil
	})
	return err
}

// closeWatchEvery is how often the full-sync step reads the source's sync
// counters between its polls while the sync is in trouble
// (steps.SyncInTrouble): INFO stats and replication and CLIENT LIST TYPE
// replica in one round trip (probe's WatchFullSync), about 40 a second
// for as long as the trouble lasts, nothing of the target or the
// Sentinels.
//
// Why so close: the source counts a full sync (sync_full) when it accepts
// the target's PSYNC and, with a disk-based sync (Redis < 7's default) or
// repl-diskless-sync-delay 0, forks at once; a Redis replica whose
// transfer breaks asks again at once ("Reconnecting to MASTER … after
// failure"), one whose streaming link broke from its replication cron,
// within a second. So between the second restart's PSYNC and a third fork
// there is only the third sync's life (the source drops it when the
// buffer reaches its limit: about the hard limit over the write rate
// after the fork, or the soft limit's seconds) and that reconnect (plus
// the diskless delay, when set). The close watch sees the drop or the
// counter move within closeWatchEvery and a round trip, and the stop
// (REPLICAOF NO ONE) goes at once. What remains: a limit the writes fill
// faster than that (1 MB at 40 MB/s fills in 25 ms), or a source or a
// machine too busy to answer in time, lets a third restart through before
// the stop; the stop then counts it from sync_full and says so.
const closeWatchEvery = 25 * time.Millisecond

// watchClosely reads the sync counters every closeWatchEvery until the
// step's next poll is due, and returns the facts that call for the stop
// as soon as they come.
func watchClosely(ctx context.Context, r *steps.Runner, nextPoll time.Time) (steps.Facts, bool) {
	t := time.NewTicker(closeWatchEvery)
	defer t.Stop()
	for time.Until(nextPoll) > closeWatchEvery {
		select {
		case <-ctx.Done():
			return steps.Facts{}, false
		case <-t.C:
		}
		if snap, ok := r.Prober.WatchFullSync(ctx); ok && snap.FullSync.Attached && snap.FullSync.Restarts() >= steps.MaxSyncRestarts {
			return r.Session.Facts(r.Prober.Topo, snap), true
		}
	}
	return steps.Facts{}, false
}

// syncProgress is the full sync's progress line: the phase, the buffer
// against its limit, the load and the restarts.
func syncProgress(f steps.Facts) string {
	l := &f.Snapshot.Link
	w := &f.Snapshot.FullSync
	parts := []string{"full sync: " + string(l.Phase)}
	if f.Snapshot.Target.SyncTotalBytes > 0 {
		parts[0] += fmt.Sprintf(", %s of %s", probe.Bytes(f.Snapshot.Target.SyncReadBytes), probe.Bytes(f.Snapshot.Target.SyncTotalBytes))
	}
	if c := w.Client; c != nil {
		b := "buffer " + probe.Bytes(c.Omem)
		if w.Limit != nil && w.Limit.Hard > 0 {
			b += " of " + probe.Bytes(w.Limit.Hard)
		}
		if w.OverSoft > 0 {
			b += fmt.Sprintf(", over soft %s", w.OverSoft.Round(time.Second))
		}
		parts = append(parts, b)
	}
	if w.SourceKeys > 0 && l.Phase != probe.PhaseOnline {
		parts = append(parts, fmt.Sprintf("keys %s of %s", probe.Thousands(w.TargetKeys), probe.Thousands(w.SourceKeys)))
	}
	if n := w.Restarts(); n > 0 {
		r := fmt.Sprintf("restarted %d×", n)
		if d := w.LastDrop(); d != nil {
			r += " (" + string(d.Cause) + ")"
		}
		parts = append(parts, r)
	}
	return strings.Join(parts, "; ")
}
