package commands

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// targetFlaggedDown reports whether a Sentinel of l flags the target
// s_down among the replicas it lists, as flyover reads it.
func targetFlaggedDown(p *probe.Prober, target string) bool {
	snap := p.Poll(context.Background())
	for _, v := range snap.Sentinels {
		if r := v.Replica(target); r != nil && slices.Contains(r.Flags, "s_down") {
			return true
		}
	}
	return false
}

// A target paused for a few seconds (the Sentinels flag it s_down,
// flyover finds it not answering; right after a partition heals the
// Sentinels' flag lingers the same way) is a block that clears by itself.
// The run waits --blocked-for for it, says so with the time left, reads
// preflight again, and goes on (exit 0) once it clears. That the s_down
// flag alone is such a block is TestBlocksThatClearByThemselvesAreMarked.
func TestMigrateWaitsForATransientBlockToClear(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{PreloadKeys: 100})
	ctx := context.Background()
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	labtest.Wait(t, 40*time.Second, "every Sentinel to list the target", func() bool {
		for _, s := range l.Sentinels {
			c := s.Client()
			rs, err := c.Do(ctx, "SENTINEL", "REPLICAS", l.Opts.MasterName).Slice()
			c.Close()
			if err != nil || len(rs) == 0 {
				return false
			}
		}
		return true
	})
	for _, s := range l.Sentinels {
		c := s.Client()
		err := c.Do(ctx, "SENTINEL", "SET", l.Opts.MasterName, "down-after-milliseconds", "300").Err()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Pause the target long enough for a Sentinel to flag it and for
	// preflight to find it flagged, or the target not answering (retried:
	// under load the flag may come late).
	p := l.Prober(time.Second)
	defer p.Close()
	flagged := false
	for attempt := 0; attempt < 3 && !flagged; attempt++ {
		c := l.Target.Client()
		err := c.Do(ctx, "CLIENT", "PAUSE", "8000", "ALL").Err()
		c.Close()
		if err != nil {
			t.Skipf("the target cannot be paused (CLIENT PAUSE ALL): %v", err)
		}
		flagged = lab.WaitFor(ctx, 3*time.Second, func() bool { return targetFlaggedDown(p, l.Target.Addr()) }) == nil
	}
	if !flagged {
		t.Fatal("no Sentinel flagged the paused target down")
	}
	r := runMigrateOn(t, l, filepath.Join(t.TempDir(), "audit.jsonl"), nil, "--until", "preflight", "--blocked-for", "60s")
	w := r.event("waiting")
	if w == nil || w.RemainingMS <= 0 || w.Check == "" {
		t.Fatalf("no wait for the transient block, with its time left: %+v", w)
	}
	t.Logf("waited for %s: %s (%d ms left)", w.Check, w.Message, w.RemainingMS)
	if r.code != 0 || r.event("done") == nil || r.event("blocked") != nil {
		t.Fatalf("exit %d after the flag cleared, want 0 and done", r.code)
	}
}
