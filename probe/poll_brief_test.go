package probe_test

import (
	"context"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// The fleet's brief poll reads what a row needs, as the full poll reads
// it, and says what it left out; the source's replica buffers only while
// a full sync goes on (and once on the first poll), never the target's
// commandstats.
func TestPollBriefReadsARowAndTheBuffersOnlyWhileASyncGoesOn(t *testing.T) {
	t.Parallel()
	// The sync waits 2 s for more replicas before it forks: the source
	// lists the target waiting for its snapshot for a poll or more.
	l, p := startProbed(t, lab.Options{PreloadKeys: 300, SyncDelay: 2 * time.Second})
	ctx := context.Background()

	first, full := p.Source.PollBrief(ctx), p.Source.PollNode(ctx)
	if !first.Reachable || !first.Brief || first.Info != nil || full.Brief {
		t.Fatalf("brief %+v / full brief=%t", first, full.Brief)
	}
	if first.Kind != full.Kind || first.Version != full.Version || first.RunID != full.RunID || first.Role != full.Role ||
		first.Keys() != 300 || full.Keys() != 300 || first.ReplOffset != full.ReplOffset || first.Sync.SyncFull != full.Sync.SyncFull ||
		first.AOFEnabled != full.AOFEnabled || first.Priority != full.Priority || first.UptimeSeconds == 0 {
		t.Errorf("a brief poll reads the row's fields as the full one does:\nbrief %+v\nfull  %+v", first, full)
	}
	if first.UsedMemory != 0 || full.UsedMemory == 0 || first.CommandStatsRead {
		t.Errorf("brief used_memory %d (full %d), commandstats read %t: a brief poll leaves them out", first.UsedMemory, full.UsedMemory, first.CommandStatsRead)
	}
	if !first.Sync.ClientsRead {
		t.Errorf("the first brief poll reads the replica buffers: %+v", first.Sync)
	}
	if s := p.Source.PollBrief(ctx).Sync; s.ClientsRead || !s.ClientsSkipped {
		t.Errorf("no sync going on: the buffers are not asked: %+v", s)
	}
	if tgt := p.Target.PollBrief(ctx); !tgt.Reachable || tgt.CommandStatsRead || !tgt.Brief || tgt.Role != probe.RolePrimary {
		t.Errorf("target %+v: brief, and no commandstats", tgt)
	}

	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	// The poll that sees the sync going on asks for nothing more yet;
	// every poll after it, while the sync lasts and once after it, does.
	var seen bool
	labtest.Wait(t, 30*time.Second, "a brief poll reads the buffers while the target syncs", func() bool {
		n := p.Source.PollBrief(ctx)
		if n.Sync.ClientsRead && seen {
			return true
		}
		for _, r := range n.Replicas {
			seen = seen || r.State != "online"
		}
		return false
	})
	labtest.Wait(t, 30*time.Second, "the target in sync, and the buffers no longer asked", func() bool {
		n := p.Source.PollBrief(ctx)
		return len(n.Replicas) == 1 && n.Replicas[0].State == "online" && n.Sync.ClientsSkipped
	})
	// The master's own dashboard polls in full on the same endpoints.
	if n := p.Source.PollNode(ctx); !n.Sync.ClientsRead || n.Brief || len(n.Sync.Clients) != 1 {
		t.Errorf("a full poll reads the buffers: %+v", n.Sync)
	}
	if n := p.Target.PollNode(ctx); !n.CommandStatsRead {
		t.Errorf("a full poll of the target reads commandstats")
	}
}
