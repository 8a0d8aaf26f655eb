package checks

import (
	"fmt"
	"time"

	"flyover/probe"
	"flyover/probe/fullsync"
	"flyover/steps"
)

// FullSyncChecks are preflight's predictions of the full sync: the buffer
// limit against the predicted peak, repl-timeout against the transfer and
// load, and what a dropped link costs with Dragonfly.
func FullSyncChecks(f steps.Facts) []steps.Check {
	w := &f.Snapshot.FullSync
	src := &f.Snapshot.Source
	if !src.Reachable || src.Role != probe.RolePrimary {
		return nil
	}
	var cs []steps.Check
	e, ok := steps.PredictSync(f)
	if !ok {
		why := w.LimitsError
		if why == "" {
			why = "not read yet"
		}
		cs = append(cs, steps.WarnCheck("sync-buffer", "the source's replica output buffer fits the full sync",
			"prediction unknown, watching instead: the limit could not be read ("+why+"); flyover watches the buffer (CLIENT LIST) during the sync and stops it if the source drops it twice"))
	} else {
		lim := *w.Limit
		figures := fmt.Sprintf("%s in %s keys, writes at %s/s: fork %s, transfer ~%s, load ~%s; peak ~%s against %s",
			probe.Bytes(src.UsedMemory), probe.Thousands(src.Keys()), probe.Bytes(int64(steps.SyncFigures(f).WriteBytesPerSec)),
			e.Fork.Round(time.Millisecond), e.Transfer.Round(100*time.Millisecond), e.Load.Round(100*time.Millisecond),
			probe.Bytes(e.BufferPeak), fullsync.LimitWords(lim))
		if fix := steps.BufferFix(f); fix != nil {
			c := steps.WarnCheck("sync-buffer", "the source's replica output buffer fits the full sync",
				fmt.Sprintf("it does not: %s; %s", orDetail(e.Why, "the source dropped it before"), figures))
			c.Fix = fmt.Sprintf("on the source: CONFIG SET client-output-buffer-limit %q (now %q: restore it after the migration); the attach step offers it",
				fix.New.Value(fix.Word), fix.Old.Value(fix.Word))
			c.FixCommands = []steps.Command{{Endpoint: "source", Addr: f.Topo.Source, Args: fix.SetArgs()}}
			cs = append(cs, c)
		} else {
			cs = append(cs, steps.PassCheck("sync-buffer", "the source's replica output buffer fits the full sync", figures))
		}
		if w.ReplTimeout > 0 {
			if e.TimeoutShort {
				c := steps.WarnCheck("sync-repl-timeout", "repl-timeout outlasts the transfer and the load",
					fmt.Sprintf("repl-timeout is %d s; the transfer and the target's load take ~%s, and Dragonfly acknowledges only after its load",
						w.ReplTimeout, (e.Transfer+e.Load).Round(time.Second)))
				c.Fix = fmt.Sprintf("on the source: CONFIG SET repl-timeout %d (restore it afterwards)", int64(2*(e.Transfer+e.Load).Seconds())+1)
				cs = append(cs, c)
			} else {
				cs = append(cs, steps.PassCheck("sync-repl-timeout", "repl-timeout outlasts the transfer and the load",
					fmt.Sprintf("repl-timeout %d s against ~%s", w.ReplTimeout, (e.Transfer+e.Load).Round(100*time.Millisecond))))
			}
		}
	}
	if f.Snapshot.Target.Kind == probe.KindDragonfly || f.Snapshot.Target.Kind == probe.KindUnknown {
		fork := "the source has not forked since it started"
		if src.Sync.ForkUsec > 0 {
			fork = fmt.Sprintf("its last fork stalled it %s", (time.Duration(src.Sync.ForkUsec) * time.Microsecond).Round(100*time.Microsecond))
		}
		cs = append(cs, steps.PassCheck("sync-no-partial", "a dropped link costs a whole full sync",
			"Dragonfly has no partial resync (verified: it asks PSYNC ? -1): every link drop, however short, is a new fork of the source and the whole transfer again ("+
				fork+"); the steady state must keep the link up"))
	}
	return cs
}

func orDetail(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
