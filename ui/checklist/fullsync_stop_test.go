package checklist_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"flyover/probe/fullsync"
	"flyover/steps"
)

// The full sync's stop, as the checklist shows it once the plan is back
// at the attach: what happened, what flyover did and the fix (the exact
// CONFIG SET) are all on screen at 80x24 and in 120x36's pane, fresh and
// once it says how old it is, never "… more lines".
func TestFullSyncStopIsReadWholeBesideTheAttach(t *testing.T) {
	old := fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}
	st := &steps.SyncStop{At: time.Now(), Restarts: 2,
		Drops: []fullsync.SyncDrop{{Cause: fullsync.DropBufferHard, Brief: "the buffer passed its 1.0 MiB hard limit",
			Reason: "the buffer passed its 1.0 MiB hard limit (client-output-buffer-limit replica; 1021.2 KiB at the last look, growing with the writes): the source closed the link"}},
		Fix: &steps.BufferRaise{Old: old, New: fullsync.Limit{Hard: 256 << 20, Soft: 256 << 20, SoftSeconds: 60}, Word: "replica"}, Forgot: 3}
	msg := steps.StopMessage(st, nil)
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		g := guided(t, size[0], size[1], nil, nil)
		g.W.Phase = "transfer"
		g.W.SrcLimits = &fullsync.BufferLimits{Replica: old, ReplTimeout: 60}
		for i := 0; g.C.RunningID() != steps.StepFullSync; i++ {
			if i > 20 {
				t.Fatalf("%dx%d: no full-sync wait started (job %v)", size[0], size[1], g.C.RunningID())
			}
			g.Round()
		}
		g.Session.SetSyncStopped(st)
		g.Runner.Last(t).Job.End(errors.New(msg))
		g.Pump()
		g.Detached()
		for _, age := range []time.Duration{0, 12 * time.Second} {
			g.Clock.Advance(age)
			g.Round()
			sc := g.Screen()
			flat := strings.Join(strings.Fields(sc), " ")
			// Under the step's title, which the message starts with: once.
			if !strings.Contains(flat, "Full sync stopped"+strings.TrimPrefix(msg, "full sync stopped")) || strings.Contains(flat, "Full sync: full sync") || strings.Contains(sc, "more lines") {
				t.Errorf("%dx%d, %s after the stop: the stop is not whole on screen:\n%s", size[0], size[1], age, sc)
			}
			// The attach offers the fix: listed, or counted for enter.
			if !strings.Contains(flat, "source 127.0.0.1:7001> CONFIG SET client-output-buffer-limit") && !strings.Contains(flat, "more: enter shows every one first") {
				t.Errorf("%dx%d: the attach's raise is neither listed nor counted:\n%s", size[0], size[1], sc)
			}
			checkFrame(t, g)
		}
	}
}
