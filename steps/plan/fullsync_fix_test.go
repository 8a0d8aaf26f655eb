package plan

import (
	"strings"
	"testing"
	"time"

	"flyover/probe/fullsync"
	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
)

// raiseOffer is the attach step's offer to raise the limit: its command's
// value and its prompt ("" when none).
func raiseOffer(t *testing.T, f steps.Facts) (value, prompt string) {
	t.Helper()
	for _, c := range steps.Lookup(steps.StepAttach).Confirmations(f, steps.Options{}) {
		if c.ID == "raise-buffer" {
			return c.Commands[0].Args[3], c.Prompt
		}
	}
	return "", ""
}

// loopFacts: a source of 64 MiB with a 1 MiB limit under 4 MiB/s of
// writes, after flyover stopped its loop with the floor as the fix.
func loopFacts() (steps.Facts, *steps.SyncStop) {
	f := stepstest.Healthy().Facts()
	lim := fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}
	f.Snapshot.FullSync.Limit = &lim
	f.Snapshot.Source.UsedMemory = 64 << 20
	f.Snapshot.Link.RateBytes = 4 << 20
	st := &steps.SyncStop{At: f.Snapshot.At.Add(-time.Minute), Restarts: 2,
		Drops: []fullsync.SyncDrop{{At: f.Snapshot.At.Add(-61 * time.Second), Cause: fullsync.DropBufferHard, Reason: "the buffer passed its 1.0 MiB hard limit"}},
		Fix:   &steps.BufferRaise{Old: lim, New: fullsync.Limit{Hard: fullsync.FloorHard, Soft: fullsync.FloorHard, SoftSeconds: 60}, Word: "replica", Why: "the stop's figures"}}
	f.Sync.Stopped = st
	return f, st
}

// After a stop, the attach offers the stop's fix, whatever the rate now:
// the stop's message and the offer show one figure.
func TestBufferFixAfterAStopIsTheStops(t *testing.T) {
	f, st := loopFacts()
	f.Snapshot.Link.RateBytes = 400 << 20 // the prediction of now asks far more
	v, prompt := raiseOffer(t, f)
	if want := st.Fix.New.Value("replica"); v != want || !strings.Contains(prompt, "the stop's figures") {
		t.Errorf("offer %q (%s), want the stop's %q", v, prompt, want)
	}
	if c := stepstest.Check(t, checks.FullSyncChecks(f), "sync-buffer"); !strings.Contains(c.Fix, st.Fix.New.Value("replica")) {
		t.Errorf("preflight's fix %q, want the stop's", c.Fix)
	}
}

// A drop since the stop that demands more, or a limit changed since,
// gives the figure of now, and the offer says why it is not the stop's.
func TestBufferFixAfterAStopSaysWhyItDiffers(t *testing.T) {
	f, st := loopFacts()
	f.Snapshot.Link.RateBytes = 400 << 20
	f.Snapshot.FullSync.Drops = []fullsync.SyncDrop{{At: st.At.Add(time.Second), Cause: fullsync.DropBufferHard, Reason: "the buffer passed its 1.0 MiB hard limit again"}}
	v, prompt := raiseOffer(t, f)
	if v == st.Fix.New.Value("replica") || !strings.Contains(prompt, `more than the stop's "replica 268435456 268435456 60"`) || !strings.Contains(prompt, "again") {
		t.Errorf("after a newer drop: offer %q (%s), want more than the stop's, saying why", v, prompt)
	}

	f, st = loopFacts()
	changed := fullsync.Limit{Hard: 2 << 20, Soft: 1 << 20, SoftSeconds: 5}
	f.Snapshot.FullSync.Limit = &changed
	v, prompt = raiseOffer(t, f)
	if v == "" || !strings.Contains(prompt, "the limit changed since the stop") {
		t.Errorf("after the limit changed: offer %q (%s), want the figure of now, saying why", v, prompt)
	}

	// A drop since that the stop's fix covers keeps the stop's.
	f, st = loopFacts()
	f.Snapshot.FullSync.Drops = []fullsync.SyncDrop{{At: st.At.Add(time.Second), Cause: fullsync.DropBufferHard, Reason: "again"}}
	if v, _ := raiseOffer(t, f); v != st.Fix.New.Value("replica") {
		t.Errorf("after a drop the stop's fix covers: offer %q, want the stop's", v)
	}
}

// After the switch, the decommission offers to put back the limit flyover
// raised, while the old primary answers and it is not back yet; the
// report says which it was.
func TestDecommissionOffersToPutTheRaisedLimitBack(t *testing.T) {
	f := stepstest.Healthy().Registered().Promoted(3).Fenced().Facts()
	old := fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}
	f.Sync.Raised = &steps.BufferRaise{Old: old, New: fullsync.Limit{Hard: fullsync.FloorHard, Soft: fullsync.FloorHard, SoftSeconds: 60}, Word: "replica"}
	offer := func(f steps.Facts) *steps.Confirmation {
		for _, c := range steps.Lookup(steps.StepDecommission).Confirmations(f, steps.Options{}) {
			if c.ID == "restore-buffer" {
				return &c
			}
		}
		return nil
	}
	c := offer(f)
	if c == nil || !strings.Contains(c.Prompt, `the old primary's replica output buffer limit flyover raised for the full sync ("replica 1048576 524288 5"`) ||
		strings.Join(c.Commands[0].Args, " ") != "CONFIG SET client-output-buffer-limit replica 1048576 524288 5" {
		t.Fatalf("decommission's offer: %+v", c)
	}
	var listed bool
	for _, cmd := range steps.Lookup(steps.StepDecommission).Commands(f, steps.Options{}) {
		listed = listed || cmd.Args[0] == "CONFIG" && strings.Contains(cmd.Note, "if you answer y")
	}
	if !listed {
		t.Error("the decommission's list of what it sends has no restore")
	}
	if lines := strings.Join(steps.SyncReportLines(f), "\n"); !strings.Contains(lines, `put it back with `+"`"+`CONFIG SET client-output-buffer-limit "replica 1048576 524288 5"`) {
		t.Errorf("report before the restore: %s", lines)
	}

	gone := f
	gone.Snapshot.Source.Reachable = false
	if offer(gone) != nil {
		t.Error("offered on an old primary that does not answer")
	}
	f.Sync.Restored = true
	if offer(f) != nil {
		t.Error("offered again once put back")
	}
	if lines := strings.Join(steps.SyncReportLines(f), "\n"); !strings.Contains(lines, "was put back to `replica 1048576 524288 5`") || strings.Contains(lines, "Restore") {
		t.Errorf("report after the restore: %s", lines)
	}
}
