package commands

import (
	"strings"
	"testing"

	"flyover/probe/fullsync"
	"flyover/steps"
)

// After the full sync's stop an unattended run says how to go on, and
// that a new run does not carry the stop's figures: only where the stop
// has a fix, and only for the full sync.
func TestMigrateSaysHowToGoOnAfterTheFullSyncStop(t *testing.T) {
	st := &steps.SyncStop{Restarts: 2, Fix: &steps.BufferRaise{Old: fullsync.Limit{Hard: 1 << 20}, New: fullsync.Limit{Hard: 256 << 20}, Word: "replica"}}
	n := syncStopNote(steps.StepFullSync, st)
	if !strings.Contains(n, "send the CONFIG SET above to the source") || !strings.Contains(n, "run flyover migrate again") ||
		!strings.Contains(n, "--raise-output-buffer alone may not do") {
		t.Errorf("note %q", n)
	}
	if n := syncStopNote(steps.StepAttach, st); n != "" {
		t.Errorf("note after another step: %q", n)
	}
	st.Fix = nil
	if n := syncStopNote(steps.StepFullSync, st); n != "" {
		t.Errorf("note without a fix: %q", n)
	}
}
