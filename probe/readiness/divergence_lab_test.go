package readiness_test

import (
	"context"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe/readiness"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// The target's poll reads INFO commandstats in its pipeline, so every
// snapshot carries the divergence counters (and uptime and run id to
// tell a restart); the source's poll does not pay for it.
func TestDivergenceCountersRideTheTargetsPoll(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Sentinels: 1, Quorum: 1, StandIn: true})
	p := l.Prober(2 * time.Second)
	t.Cleanup(p.Close)
	snap := p.Poll(context.Background())
	tgt, src := snap.Target, snap.Source
	if !tgt.Reachable || !tgt.CommandStatsRead || tgt.UptimeSeconds <= 0 && tgt.RunID == "" {
		t.Fatalf("target poll: %+v", tgt)
	}
	if src.CommandStatsRead {
		t.Error("the source's poll read INFO commandstats too")
	}
	c := tgt.DivergenceCounters()
	if !c.Known || c.RunID != tgt.RunID || !c.At.Equal(tgt.PolledAt) || len(c.Unknown) != 0 {
		t.Errorf("counters %+v", c)
	}
	// A baseline read the long way agrees with the poll's: nothing grew.
	base, err := readiness.ReadDivergence(context.Background(), nil, p.Target)
	if err != nil {
		t.Fatal(err)
	}
	again := p.Poll(context.Background()).Target
	if d := readiness.DivergenceGrowth(base, again.DivergenceCounters()); d.Total() != 0 || d.Restarted {
		t.Errorf("growth between two readings of an idle target: %+v", d)
	}
}
