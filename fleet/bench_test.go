package fleet

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// benchMasters is the fleet size of the benchmarks: 50, or
// FLYOVER_FLEET_BENCH_MASTERS.
func benchMasters() int {
	if n, err := strconv.Atoi(os.Getenv("FLYOVER_FLEET_BENCH_MASTERS")); err == nil && n > 0 {
		return n
	}
	return 50
}

// BenchmarkFleetPollAll is one full poll cycle of a fleet lab: every
// Sentinel's SENTINEL MASTERS (with the replica lists) and every source
// and target, concurrently, then every row derived.
//
//	go test -run '^$' -bench FleetPollAll -benchtime 20x ./fleet
func BenchmarkFleetPollAll(b *testing.B) {
	probe.SetLogOutput(io.Discard)
	l := labtest.StartFleet(b, lab.FleetOptions{Masters: benchMasters(), PreloadKeys: 100})
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
