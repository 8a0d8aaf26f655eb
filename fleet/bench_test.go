package fleet

import (
	"context"
	"io"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// BenchmarkFleetPollAll is one full poll cycle of a fleet lab: every
// Sentinel's SENTINEL MASTERS (with the replica lists) and every source
// and target, concurrently, then every row derived.
//
//	go test -run '^$' -bench FleetPollAll -benchtime 20x ./fleet
func BenchmarkFleetPollAll(b *testing.B) {
	probe.SetLogOutput(io.Discard)
	l := labtest.StartFleet(b, lab.FleetOptions{Masters: labtest.BenchMasters(), PreloadKeys: 100})
	ctx := context.Background()
	path, _ := l.TargetsFile()
	targets, _ := ReadTargets(path)
	f, err := Discover(ctx, Options{Sentinels: l.SentinelAddrs(), Targets: targets, Timeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	st := NewState(f)
	f.PollAll(ctx, st) // dial every connection once
	b.ResetTimer()
	for b.Loop() {
		rows := f.PollAll(ctx, st)
		if len(rows) != len(l.Names) || !rows[len(rows)-1].Snapshot.Source.Reachable {
			b.Fatalf("%d rows; last source reachable: %t", len(rows), rows[len(rows)-1].Snapshot.Source.Reachable)
		}
	}
	b.ReportMetric(float64(len(l.Names)), "masters")
}
