package dashboard

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/probe/fullsync"
	"flyover/steps"
)

// After the source dropped the sync, why it did is the point: at the
// tape's width (the dashboard beside the checklist, 73 cells) the reason
// wraps whole under "dropped", and the buffer's limit keeps its figures,
// shorter words around them rather than a cut.
func TestFullSyncDropAndLimitAreNeverCut(t *testing.T) {
	hs := newHarness(t, 73, 33, nil)
	hs.rounds(2)
	reason := "the buffer passed its 1.0 MiB hard limit (client-output-buffer-limit replica; 680.8 KiB at the last look, growing with the writes): the source closed the link."
	d := hs.d
	d.snap.FullSync = fullsync.Watch{Attached: true, FullSyncs: 3, Fill: -1,
		Limit: &fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5},
		Drops: []fullsync.SyncDrop{{Reason: reason}}}
	const labelW = len("source offset") + 2
	var words []string
	for _, w := range []int{73, 60} {
		words = words[:0]
		lines := d.fullSyncLines(w, labelW)
		text := ansi.Strip(strings.Join(lines, "\n"))
		if strings.Contains(text, "…") {
			t.Errorf("%d cells: something is cut:\n%s", w, text)
		}
		if !strings.Contains(text, "1.0 MiB hard") {
			t.Errorf("%d cells: the limit's hard figure is not on screen:\n%s", w, text)
		}
		for _, l := range lines {
			plain := ansi.Strip(l)
			if got := ansi.StringWidth(plain); got > w {
				t.Errorf("%d cells: a line is %d wide: %q", w, got, plain)
			}
			if strings.HasPrefix(plain, "dropped") || (len(words) > 0 && strings.HasPrefix(plain, strings.Repeat(" ", labelW))) {
				words = append(words, strings.Fields(strings.TrimPrefix(plain, "dropped"))...)
			}
		}
		if got := strings.Join(words, " "); got != reason {
			t.Errorf("%d cells: the reason on screen:\n%q\nwant\n%q", w, got, reason)
		}
	}
}

// From the promotion on the panel is gone: the source's link to the
// target is over, and nothing the source counts then is a restart of the
// target's sync. Before, a stopped loop keeps its count until the next
// attach; and a target that still says it syncs from the source keeps
// its sync's lines whatever a Sentinel says (the trouble golden: one
// Sentinel names the target master while it loads).
func TestFullSyncPanelEndsAtThePromotion(t *testing.T) {
	hs := newHarness(t, 120, 36, nil)
	hs.rounds(2)
	d := hs.d
	d.snap.FullSync = fullsync.Watch{Attached: true, FullSyncs: 2, Fill: -1,
		Limit: &fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5},
		Drops: []fullsync.SyncDrop{{Cause: fullsync.DropBufferHard, Brief: "the buffer passed its 1.0 MiB hard limit", Reason: "the buffer passed its 1.0 MiB hard limit"}}}
	d.snap.Link.Phase = probe.PhaseDetached
	for _, c := range []struct {
		stage   steps.Stage
		follows bool
		shown   bool
	}{{steps.StageDetached, false, true}, {steps.StageSyncing, true, true}, {steps.StagePromoting, true, true},
		{steps.StagePromoting, false, false}, {steps.StagePromoted, false, false}, {steps.StagePromotedUnannounced, false, false}} {
		d.stage, d.snap.Link.FollowsSource = c.stage, c.follows
		text := ansi.Strip(strings.Join(append(d.fullSyncLines(73, 15), d.fullSyncCompact(60)...), "\n"))
		if shown := strings.Contains(text, "restarted 1×"); shown != c.shown {
			t.Errorf("stage %s, target follows %v: the restart shown %v, want %v:\n%s", c.stage, c.follows, shown, c.shown, text)
		}
		if !c.shown && text != "" {
			t.Errorf("stage %s: the panel after the promotion:\n%s", c.stage, text)
		}
	}
}
